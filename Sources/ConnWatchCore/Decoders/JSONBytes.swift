// Part of the byte-level JSON reader (JSONScanner.swift): the hot-path code is hand-written for the
// decoder's measured budget (DESIGN.md §8).

/// The bytes of `word` (first byte in memory = least significant) that end a plain-ASCII run inside a
/// string: a quote, a backslash, a control character (< 0x20) or a non-ASCII byte (>= 0x80). The lowest
/// set bit is exact (bits above it may be spurious), so `trailingZeroBitCount / 8` locates the first such
/// byte.
@inline(__always)
func attentionMask(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highBits: UInt64 = 0x8080_8080_8080_8080
    let quotes = word ^ (ones &* 0x22)
    let backslashes = word ^ (ones &* 0x5C)
    let hasQuote = (quotes &- ones) & ~quotes
    let hasBackslash = (backslashes &- ones) & ~backslashes
    let hasControl = (word &- ones &* 0x20) & ~word
    return (hasQuote | hasBackslash | hasControl | word) & highBits
}

/// Whether `count` bytes at `lhs` and `rhs` are equal. Uses overlapping word loads for lengths of 4 and up.
@inline(__always)
func bytesEqual(_ lhs: UnsafeRawPointer, _ rhs: UnsafeRawPointer, count: Int) -> Bool {
    if count >= 8 {
        var index = 0
        while index + 8 < count {
            if lhs.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                != rhs.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            {
                return false
            }
            index += 8
        }
        return lhs.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            == rhs.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }
    if count >= 4 {
        return lhs.loadUnaligned(as: UInt32.self) == rhs.loadUnaligned(as: UInt32.self)
            && lhs.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                == rhs.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
    }
    var index = 0
    while index < count {
        if lhs.load(fromByteOffset: index, as: UInt8.self) != rhs.load(fromByteOffset: index, as: UInt8.self) {
            return false
        }
        index += 1
    }
    return true
}

/// A `String` from bytes already known to be valid UTF-8.
@inline(__always)
func makeValidatedString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    String(unsafeUninitializedCapacity: bytes.count) { output in
        _ = output.initialize(fromContentsOf: bytes)
        return bytes.count
    }
}

/// The value of four hex digits at `index`, or `nil` if they are missing or not hex.
func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt32? {
    guard index >= 0, index + 4 <= bytes.count else { return nil }
    var value: UInt32 = 0
    var position = index
    while position < index + 4 {
        let byte = bytes[position]
        let nibble: UInt8
        switch byte {
        case .digit0 ... .digit9: nibble = byte &- .digit0
        case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
        value = (value << 4) | UInt32(nibble)
        position += 1
    }
    return value
}

extension UInt8 {
    static var quote: UInt8 { UInt8(ascii: "\"") }
    static var backslash: UInt8 { UInt8(ascii: "\\") }
    static var slash: UInt8 { UInt8(ascii: "/") }
    static var openBrace: UInt8 { UInt8(ascii: "{") }
    static var closeBrace: UInt8 { UInt8(ascii: "}") }
    static var openBracket: UInt8 { UInt8(ascii: "[") }
    static var closeBracket: UInt8 { UInt8(ascii: "]") }
    static var comma: UInt8 { UInt8(ascii: ",") }
    static var colon: UInt8 { UInt8(ascii: ":") }
    static var minus: UInt8 { UInt8(ascii: "-") }
    static var plus: UInt8 { UInt8(ascii: "+") }
    static var dot: UInt8 { UInt8(ascii: ".") }
    static var digit0: UInt8 { UInt8(ascii: "0") }
    static var digit9: UInt8 { UInt8(ascii: "9") }
    static var space: UInt8 { UInt8(ascii: " ") }
    static var tab: UInt8 { UInt8(ascii: "\t") }
    static var lineFeed: UInt8 { UInt8(ascii: "\n") }
    static var carriageReturn: UInt8 { UInt8(ascii: "\r") }
    static var lowerB: UInt8 { UInt8(ascii: "b") }
    static var lowerE: UInt8 { UInt8(ascii: "e") }
    static var upperE: UInt8 { UInt8(ascii: "E") }
    static var lowerF: UInt8 { UInt8(ascii: "f") }
    static var lowerN: UInt8 { UInt8(ascii: "n") }
    static var lowerR: UInt8 { UInt8(ascii: "r") }
    static var lowerT: UInt8 { UInt8(ascii: "t") }
    static var lowerU: UInt8 { UInt8(ascii: "u") }

    var isDigit: Bool { self >= .digit0 && self <= .digit9 }
}
