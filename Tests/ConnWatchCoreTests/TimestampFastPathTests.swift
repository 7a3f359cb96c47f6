import Testing

@testable import ConnWatchCore

/// The fixed-layout fast path (`YYYY-MM-DDTHH:MM:SS.mmmZ`) must agree with the general parser on every input:
/// same value when it answers, and a fallback (not a different answer) for everything else.
@Suite struct TimestampFastPathTests {
    /// Parses `text` with the public entry point, the general parser and the fast path.
    private func parsers(_ text: String) -> (parse: Int64?, general: Int64?, fast: Int64?) {
        parsers(Array(text.utf8))
    }

    private func parsers(_ bytes: [UInt8]) -> (parse: Int64?, general: Int64?, fast: Int64?) {
        bytes.withUnsafeBufferPointer {
            (Timestamp.parse($0), Timestamp.parseGeneral($0), Timestamp.parseCommonLayout($0))
        }
    }

    /// Whether the parsers agree on `bytes`: the same answer from both entry points, and the fast path
    /// either falls back or gives the general parser's value.
    private func agree(_ bytes: [UInt8]) -> Bool {
        let (parse, general, fast) = parsers(bytes)
        return parse == general && (fast == nil || fast == general)
    }

    /// Records `text` in `mismatches` if the parsers disagree.
    private func check(_ text: String, into mismatches: inout [String]) {
        if !agree(Array(text.utf8)) { mismatches.append(text) }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    @Test func takesTheFeedLayout() {
        let (parse, general, fast) = parsers("2015-03-11T12:18:12.499Z")
        #expect(fast == 1_426_076_292_499)
        #expect(parse == general)
        #expect(parsers("2000-02-29T23:59:59.999Z").fast == 951_868_799_999)
        #expect(parsers("1969-12-31T23:59:59.999Z").fast == -1)
    }

    @Test func leavesOtherLayoutsToTheGeneralParser() {
        for text in [
            "2015-03-11T12:18:12Z", "2015-03-11t12:18:12.499Z", "2015-03-11 12:18:12.499Z",
            "2015-03-11T12:18:12.499z", "2015-03-11T12:18:12.49Z0", "2015-03-11T12:18:12.4990Z",
            "2015-03-11T12:18:12.499+00:00", "2015-03-11T12:18:12,499Z",
        ] {
            #expect(parsers(text).fast == nil, "\(text)")
            #expect(parsers(text).parse == parsers(text).general, "\(text)")
        }
    }

    @Test func agreesOnGeneratedDates() {
        var mismatches: [String] = []
        var fastAnswers = 0
        for year in [0, 1, 4, 100, 400, 1600, 1900, 1969, 1970, 1999, 2000, 2023, 2024, 2100, 2400, 9999] {
            for month in 0...13 {
                for day in 0...32 {
                    let text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T12:34:56.789Z"
                    check(text, into: &mismatches)
                    if parsers(text).fast != nil { fastAnswers += 1 }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        // Every valid calendar day of the 16 years above (at least 365 each, more in leap years) took the fast path.
        #expect(fastAnswers > 16 * 365)
    }

    @Test func agreesOnGeneratedTimes() {
        var mismatches: [String] = []
        for hour in [0, 1, 9, 10, 19, 20, 23, 24, 29, 99] {
            for minute in [0, 9, 10, 59, 60, 99] {
                for second in [0, 1, 59, 60, 61, 99] {
                    for millisecond in [0, 1, 9, 10, 99, 100, 500, 999] {
                        let text =
                            "2024-02-29T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(millisecond, 3))Z"
                        check(text, into: &mismatches)
                    }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func agreesOnEveryFractionLengthAndZone() {
        var mismatches: [String] = []
        for digits in 0...10 {
            let fraction = digits == 0 ? "" : "." + String("1234567890".prefix(digits))
            for zone in ["Z", "z", "+00:00", "-00:00", "+05:30", "-12:45", "+2359", "-0000", "+24:00", "+01:60", ""] {
                check("2016-02-29T23:59:59\(fraction)\(zone)", into: &mismatches)
                check("2016-12-31T00:00:00\(fraction)\(zone)", into: &mismatches)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    /// Every byte of a feed-layout timestamp replaced by bytes that are digits, separators, letters, controls
    /// and non-ASCII: the fast path must never accept what the general parser rejects, or disagree with it.
    @Test func agreesWhenAnyByteIsReplaced() {
        let base = Array("2024-02-29T23:59:58.999Z".utf8)
        let replacements: [UInt8] = [
            0x00, 0x09, 0x20, 0x2B, 0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x33, 0x35, 0x39, 0x3A, 0x3B, 0x54, 0x5A,
            0x74, 0x7A, 0x7F, 0x80, 0x89, 0x8A, 0xB0, 0xB9, 0xC9, 0xFF,
        ]
        var mismatches: [String] = []
        for index in base.indices {
            for replacement in replacements {
                var bytes = base
                bytes[index] = replacement
                if !agree(bytes) { mismatches.append("byte \(index) = \(replacement)") }
            }
            // Two bytes changed at once, so a carry out of one digit cannot hide another bad byte.
            for other in base.indices where other != index {
                var bytes = base
                bytes[index] = 0x8A
                bytes[other] = 0x3A
                if !agree(bytes) { mismatches.append("bytes \(index), \(other)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    /// Round trips through the formatter across the whole four-digit range (every formatted time is in the
    /// fast path's layout).
    @Test func agreesWithTheFormatter() {
        var mismatches: [String] = []
        var value: Int64 = -62_167_219_200_000
        while value <= 253_402_300_799_999 {
            let text = Timestamp.formatISO8601(milliseconds: value)
            let (parse, _, fast) = parsers(text)
            if parse != value || fast != value { mismatches.append(text) }
            value += 97_777_777_777  // about 3 years, odd milliseconds
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }
}
