import Testing

@testable import ConnWatchCore

@Suite struct TimestampTests {
    @Test func parsesBothFeedForms() {
        #expect(Timestamp.parseISO8601("2015-03-11T12:18:12.499Z") == 1_426_076_292_499)
        #expect(Timestamp.parseISO8601("2014-07-07T06:37:56.494-04:00") == 1_404_729_476_494)
    }

    @Test func parsesEpochAndNegativeTimes() {
        #expect(Timestamp.parseISO8601("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.parseISO8601("1969-12-31T23:59:59.999Z") == -1)
        #expect(Timestamp.parseISO8601("0000-01-01T00:00:00Z") == -62_167_219_200_000)
        #expect(Timestamp.parseISO8601("9999-12-31T23:59:59.999Z") == 253_402_300_799_999)
    }

    @Test(
        arguments: [
            ("2012-01-02T03:04:05Z", 1_325_473_445_000),
            ("2012-01-02T03:04:05.6Z", 1_325_473_445_600),
            ("2012-01-02T03:04:05.67Z", 1_325_473_445_670),
            ("2012-01-02T03:04:05.678Z", 1_325_473_445_678),
            ("2012-01-02T03:04:05.6789Z", 1_325_473_445_678),
            ("2012-01-02T03:04:05.678999999Z", 1_325_473_445_678),
            ("2012-01-02t03:04:05.678z", 1_325_473_445_678),
            ("2012-01-02 03:04:05.678Z", 1_325_473_445_678),
            ("2012-01-02T03:04:05.678+00:00", 1_325_473_445_678),
            ("2012-01-02T03:04:05.678-00:00", 1_325_473_445_678),
            ("2012-01-02T03:04:05.678+0000", 1_325_473_445_678),
            ("2024-06-30T18:45:00.123+05:30", 1_719_753_300_123),
            ("2024-06-30T18:45:00.123+0530", 1_719_753_300_123),
            ("2015-03-11T12:18:12.499-01:30", 1_426_081_692_499),
            ("2020-02-29T23:59:59.999Z", 1_583_020_799_999),
            ("2000-02-29T00:00:00Z", 951_782_400_000),
            ("1900-03-01T00:00:00Z", -2_203_891_200_000),
        ] as [(String, Int64)]
    )
    func parsesAcceptedForms(text: String, milliseconds: Int64) {
        #expect(Timestamp.parseISO8601(text) == milliseconds)
        #expect(Timestamp.parseISO8601(Array(text.utf8)) == milliseconds)
    }

    @Test(arguments: [
        "",
        "2015-03-11",
        "2015-03-11T12:18:12",  // no zone
        "2015-03-11T12:18:12.499",  // no zone
        "2015-13-11T12:18:12Z",  // month 13
        "2015-00-11T12:18:12Z",  // month 0
        "2015-02-30T12:18:12Z",  // 30 February
        "2019-02-29T12:18:12Z",  // not a leap year
        "1900-02-29T12:18:12Z",  // century, not a leap year
        "2015-04-31T12:18:12Z",  // April has 30 days
        "2015-03-00T12:18:12Z",  // day 0
        "2015-03-32T12:18:12Z",
        "2015-03-11T24:00:00Z",  // hour 24
        "2015-03-11T12:60:12Z",
        "2015-03-11T12:18:60Z",  // leap seconds are not accepted
        "2015-03-11T12:18:12.Z",  // dot without digits
        "2015-03-11T12:18:12.1234567890Z",  // ten fraction digits
        "2015-03-11T12:18:12.499+24:00",
        "2015-03-11T12:18:12.499+01:60",
        "2015-03-11T12:18:12.499+01",
        "2015-03-11T12:18:12.499+1:00",
        "2015-03-11T12:18:12.499+01:00:00",
        "2015-03-11T12:18:12.499ZZ",
        "2015-03-11T12:18:12.499Z ",
        " 2015-03-11T12:18:12.499Z",
        "2015-03-11X12:18:12.499Z",
        "2015/03/11T12:18:12.499Z",
        "2015-03-11T12-18-12.499Z",
        "15-03-11T12:18:12.499Z",
        "+2015-03-11T12:18:12Z",
        "2O15-03-11T12:18:12.499Z",  // letter O
        "2015-03-11T12:18:1a.499Z",
        "2015-03-11T12:18:12.4a9Z",
        "2015-03-11T12:18:12.499+0a:00",
        "２０１５-03-11T12:18:12Z",  // full-width digits
    ])
    func rejectsInvalidTimestamps(text: String) {
        #expect(Timestamp.parseISO8601(text) == nil)
    }

    @Test func acceptsNonContiguousCollections() {
        let bytes = Array("2015-03-11T12:18:12.499Z".utf8)
        #expect(Timestamp.parseISO8601(bytes.lazy.map { $0 }) == 1_426_076_292_499)
        #expect(Timestamp.parseISO8601(bytes[0...]) == 1_426_076_292_499)
    }

    @Test(
        arguments: [
            (0, "1970-01-01T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (1_426_076_292_499, "2015-03-11T12:18:12.499Z"),
            (1_404_729_476_494, "2014-07-07T10:37:56.494Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
            (-62_167_219_200_001, "-0001-12-31T23:59:59.999Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (253_402_300_800_000, "+10000-01-01T00:00:00.000Z"),
        ] as [(Int64, String)]
    )
    func formatsAsUTC(milliseconds: Int64, text: String) {
        #expect(Timestamp.formatISO8601(milliseconds: milliseconds) == text)
    }

    @Test func formatsExtremesWithoutCrashing() {
        #expect(Timestamp.formatISO8601(milliseconds: .max).hasSuffix(".807Z"))
        #expect(Timestamp.formatISO8601(milliseconds: .min).hasPrefix("-"))
    }

    @Test func roundTripsAcrossTheRange() {
        var value: Int64 = -62_167_219_200_000
        let step: Int64 = 7_777_777_777_777  // about 246 years, odd milliseconds
        var checked = 0
        while value <= 253_402_300_799_999 {
            let text = Timestamp.formatISO8601(milliseconds: value)
            #expect(Timestamp.parseISO8601(text) == value, "\(text)")
            value += step
            checked += 1
        }
        #expect(checked > 40)
        // Every day of a leap year and the following year.
        var day: Int64 = 951_782_400_000 - 59 * 86_400_000
        for _ in 0..<731 {
            let text = Timestamp.formatISO8601(milliseconds: day + 45_296_789)
            #expect(Timestamp.parseISO8601(text) == day + 45_296_789, "\(text)")
            day += 86_400_000
        }
    }
}
