// ISO-8601 timestamps as the monitor feeds send them, parsed and formatted byte by byte (no Foundation).

/// Converts between ISO-8601 timestamps and integer milliseconds since the Unix epoch.
///
/// Accepted input: `YYYY-MM-DD`, a separator (`T`, `t` or a space), `HH:MM:SS`, an optional fraction of 1–9
/// digits (truncated to milliseconds), and a zone: `Z`, `z`, `±hh:mm` or `±hhmm`. A zone is required (a
/// time without one is ambiguous). Invalid calendar dates (month 13, 30 February, hour 24, second 60, …) are
/// rejected.
public enum Timestamp {
    /// Parses an ISO-8601 timestamp; `nil` if the bytes are not one.
    public static func parseISO8601(_ bytes: some Collection<UInt8>) -> Int64? {
        if let result = bytes.withContiguousStorageIfAvailable({ parse($0) }) { return result }
        let copy = Array(bytes)
        return copy.withUnsafeBufferPointer { parse($0) }
    }

    /// Parses an ISO-8601 timestamp; `nil` if the string is not one.
    public static func parseISO8601(_ string: String) -> Int64? {
        var text = string
        return text.withUTF8 { parse($0) }
    }

    /// Formats milliseconds since the Unix epoch as UTC `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    ///
    /// Years outside 0000–9999 are written with a sign and at least four digits (`+12345-…`, `-0001-…`).
    public static func formatISO8601(milliseconds: Int64) -> String {
        var days = milliseconds / millisecondsPerDay
        var remainder = milliseconds % millisecondsPerDay
        if remainder < 0 {
            remainder += millisecondsPerDay
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        let millisecond = remainder % 1000
        let secondOfDay = remainder / 1000
        let hour = secondOfDay / 3600
        let minute = secondOfDay / 60 % 60
        let second = secondOfDay % 60

        return String(unsafeUninitializedCapacity: 40) { output in
            var position = 0
            func put(_ byte: UInt8) {
                output[position] = byte
                position += 1
            }
            func put(_ value: Int64, width: Int) {
                var digits = 0
                var rest = value
                repeat {
                    digits += 1
                    rest /= 10
                } while rest > 0
                let count = max(digits, width)
                var index = position + count - 1
                rest = value
                while index >= position {
                    output[index] = UInt8(truncatingIfNeeded: rest % 10) &+ UInt8(ascii: "0")
                    rest /= 10
                    index -= 1
                }
                position += count
            }
            if year < 0 {
                put(UInt8(ascii: "-"))
                put(0 - year, width: 4)
            } else if year > 9999 {
                put(UInt8(ascii: "+"))
                put(year, width: 4)
            } else {
                put(year, width: 4)
            }
            put(UInt8(ascii: "-"))
            put(month, width: 2)
            put(UInt8(ascii: "-"))
            put(day, width: 2)
            put(UInt8(ascii: "T"))
            put(hour, width: 2)
            put(UInt8(ascii: ":"))
            put(minute, width: 2)
            put(UInt8(ascii: ":"))
            put(second, width: 2)
            put(UInt8(ascii: "."))
            put(millisecond, width: 3)
            put(UInt8(ascii: "Z"))
            return position
        }
    }

    // MARK: - Implementation

    private static let millisecondsPerDay: Int64 = 86_400_000

    /// Parses a contiguous timestamp: the layout the feeds send through ``parseCommonLayout(_:)``, anything
    /// else through ``parseGeneral(_:)``.
    @inline(__always)
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let milliseconds = parseCommonLayout(bytes) { return milliseconds }
        return parseGeneral(bytes)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS.mmmZ` (exactly 24 bytes, upper-case `T` and `Z`), the layout Watson IoT
    /// sends, from three 8-byte words. Returns `nil` for any other layout and for out-of-range fields, so
    /// the caller falls back to ``parseGeneral(_:)``; whenever it returns a value, that value is the one
    /// ``parseGeneral(_:)`` gives.
    @inline(__always)
    static func parseCommonLayout(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count == 24, let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        // Byte i of a word is bits 8i…8i+7 (little-endian loads): "YYYY-MM-", "DDTHH:MM", ":SS.mmmZ".
        let dateWord = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        let timeWord = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let secondsWord = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        // Separators: '-' at 4 and 7; 'T' at 10, ':' at 13; ':' at 16, '.' at 19, 'Z' at 23.
        guard dateWord & 0xFF00_00FF_0000_0000 == 0x2D00_002D_0000_0000,
            timeWord & 0x0000_FF00_00FF_0000 == 0x0000_3A00_0054_0000,
            secondsWord & 0xFF00_0000_FF00_00FF == 0x5A00_0000_2E00_003A
        else { return nil }
        let dateDigits = (dateWord ^ 0x3030_3030_3030_3030) & 0x00FF_FF00_FFFF_FFFF
        let timeDigits = (timeWord ^ 0x3030_3030_3030_3030) & 0xFFFF_00FF_FF00_FFFF
        let secondsDigits = (secondsWord ^ 0x3030_3030_3030_3030) & 0x00FF_FFFF_00FF_FF00
        guard
            allDigits(dateDigits, mask: 0x00FF_FF00_FFFF_FFFF)
                && allDigits(timeDigits, mask: 0xFFFF_00FF_FF00_FFFF)
                && allDigits(secondsDigits, mask: 0x00FF_FFFF_00FF_FF00)
        else { return nil }
        let year =
            byte(dateDigits, 0) * 1000 + byte(dateDigits, 1) * 100 + byte(dateDigits, 2) * 10
            + byte(dateDigits, 3)
        let month = byte(dateDigits, 5) * 10 + byte(dateDigits, 6)
        let day = byte(timeDigits, 0) * 10 + byte(timeDigits, 1)
        let hour = byte(timeDigits, 3) * 10 + byte(timeDigits, 4)
        let minute = byte(timeDigits, 6) * 10 + byte(timeDigits, 7)
        let second = byte(secondsDigits, 1) * 10 + byte(secondsDigits, 2)
        let millisecond = byte(secondsDigits, 4) * 100 + byte(secondsDigits, 5) * 10 + byte(secondsDigits, 6)
        guard month >= 1, month <= 12, day >= 1, day <= daysInMonth(year: year, month: month),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millisecond
    }

    /// Whether every byte selected by `mask` in `digits` (a word XORed with '0' bytes and masked) is 0…9.
    /// A byte above 9 either has its high bit set or sets it when 0x76 is added (0x0A + 0x76 = 0x80); bytes
    /// of 0x8A and more can carry into the next byte, but their own high bit already rejects the word.
    @inline(__always)
    private static func allDigits(_ digits: UInt64, mask: UInt64) -> Bool {
        (digits | (digits &+ (0x7676_7676_7676_7676 & mask))) & (0x8080_8080_8080_8080 & mask) == 0
    }

    /// Byte `index` of `word` (byte 0 is the least significant).
    @inline(__always)
    private static func byte(_ word: UInt64, _ index: Int) -> Int64 {
        Int64(truncatingIfNeeded: (word >> UInt64(index * 8)) & 0xFF)
    }

    /// Parses a contiguous timestamp in any accepted form.
    static func parseGeneral(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        let count = bytes.count
        // The shortest form is `YYYY-MM-DDTHH:MM:SSZ` (20 bytes); the longest has 9 fraction digits and
        // `+hh:mm` (35 bytes).
        guard count >= 20, count <= 35 else { return nil }

        // `twoDigits`/`fourDigits` are negative when a byte is not a digit, so the range checks reject them.
        let year = fourDigits(bytes, at: 0)
        let month = twoDigits(bytes, at: 5)
        let day = twoDigits(bytes, at: 8)
        let hour = twoDigits(bytes, at: 11)
        let minute = twoDigits(bytes, at: 14)
        let second = twoDigits(bytes, at: 17)
        let separator = bytes[10]
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " "),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            year >= 0, month >= 1, month <= 12, day >= 1, day <= daysInMonth(year: year, month: month),
            hour >= 0, hour <= 23, minute >= 0, minute <= 59, second >= 0, second <= 59
        else { return nil }

        var index = 19
        var millisecond: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < count {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { break }
                if index - fractionStart < 3 { millisecond = millisecond * 10 + Int64(digit) }
                index += 1
            }
            let digits = index - fractionStart
            guard digits >= 1, digits <= 9 else { return nil }
            if digits == 1 { millisecond *= 100 } else if digits == 2 { millisecond *= 10 }
        }

        guard index < count else { return nil }
        var offsetMinutes: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            let offsetHour: Int64
            let offsetMinute: Int64
            if index + 6 == count, bytes[index + 3] == UInt8(ascii: ":") {
                offsetHour = twoDigits(bytes, at: index + 1)
                offsetMinute = twoDigits(bytes, at: index + 4)
            } else if index + 5 == count {
                offsetHour = twoDigits(bytes, at: index + 1)
                offsetMinute = twoDigits(bytes, at: index + 3)
            } else {
                return nil
            }
            guard offsetHour >= 0, offsetHour <= 23, offsetMinute >= 0, offsetMinute <= 59 else { return nil }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
        default:
            return nil
        }

        // All values are range-checked above, so none of this can overflow.
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second
        return seconds * 1000 + millisecond
    }

    /// The value of a digit byte, or a large negative number (so that sums stay negative) for any other byte.
    @inline(__always)
    private static func digit(_ byte: UInt8) -> Int64 {
        let value = byte &- UInt8(ascii: "0")
        return value <= 9 ? Int64(value) : -100_000
    }

    /// Two decimal digits at `index`; negative if either byte is not a digit. `index + 1` must be in bounds.
    @inline(__always)
    private static func twoDigits(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int64 {
        digit(bytes[index]) * 10 + digit(bytes[index + 1])
    }

    /// Four decimal digits at `index`; negative if any byte is not a digit. `index + 3` must be in bounds.
    @inline(__always)
    private static func fourDigits(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int64 {
        twoDigits(bytes, at: index) * 100 + twoDigits(bytes, at: index + 2)
    }

    private static func isLeapYear(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// An HTTP date (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`) in milliseconds since
    /// the epoch; `nil` for anything else.
    public static func parseHTTPDate(_ text: some StringProtocol) -> Int64? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT" else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let clock = parts[4].split(separator: ":")
        guard parts[1].count == 2, let day = Int64(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])),
            parts[3].count == 4, let year = Int64(parts[3]), clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let hour = Int64(clock[0]), let minute = Int64(clock[1]), let second = Int64(clock[2])
        else { return nil }
        let month = Int64(monthIndex + 1)
        guard day >= 1, day <= daysInMonth(year: year, month: month), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000
    }

    /// `milliseconds` since the epoch as an HTTP date (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994
    /// 08:49:37 GMT`), for a response's `Date` header.
    public static func formatHTTPDate(milliseconds: Int64) -> String {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let date = civil(fromDays: days)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        let year = String(date.year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - year.count)) + year
        return "\(weekday), \(two(date.day)) \(months[Int(date.month - 1)]) \(paddedYear) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT"
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's `civil_from_days`).
    /// Safe for every day count that `Int64` milliseconds can produce.
    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
