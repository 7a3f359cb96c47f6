// Part of the byte-level JSON reader (JSONScanner.swift): the hot-path code is hand-written for the
// decoder's measured budget (DESIGN.md §8).

/// Yields the UTF-8 bytes of an already validated escaped string, decoding escapes on the fly.
struct JSONUnescapedByteIterator: IteratorProtocol {
    private let raw: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var pending: UInt32 = 0
    private var pendingCount = 0

    init(_ raw: UnsafeBufferPointer<UInt8>) {
        self.raw = raw
    }

    mutating func next() -> UInt8? {
        if pendingCount > 0 {
            let byte = UInt8(truncatingIfNeeded: pending)
            pending >>= 8
            pendingCount -= 1
            return byte
        }
        guard index < raw.count else { return nil }
        let byte = raw[index]
        guard byte == .backslash else {
            index += 1
            return byte
        }
        let scalar = decodeEscape(at: index)
        if scalar < 0x80 { return UInt8(truncatingIfNeeded: scalar) }
        if scalar < 0x800 {
            pending = 0x80 | (scalar & 0x3F)
            pendingCount = 1
            return UInt8(truncatingIfNeeded: 0xC0 | (scalar >> 6))
        }
        if scalar < 0x1_0000 {
            pending = (0x80 | ((scalar >> 6) & 0x3F)) | ((0x80 | (scalar & 0x3F)) << 8)
            pendingCount = 2
            return UInt8(truncatingIfNeeded: 0xE0 | (scalar >> 12))
        }
        pending =
            (0x80 | ((scalar >> 12) & 0x3F)) | ((0x80 | ((scalar >> 6) & 0x3F)) << 8) | ((0x80 | (scalar & 0x3F)) << 16)
        pendingCount = 3
        return UInt8(truncatingIfNeeded: 0xF0 | (scalar >> 18))
    }

    /// Decodes the escape at `start` (a backslash) into a Unicode scalar value and moves past it.
    private mutating func decodeEscape(at start: Int) -> UInt32 {
        guard start + 1 < raw.count else {
            index = raw.count
            return 0xFFFD
        }
        index = start + 2
        switch raw[start + 1] {
        case .lowerB: return 0x08
        case .lowerF: return 0x0C
        case .lowerN: return 0x0A
        case .lowerR: return 0x0D
        case .lowerT: return 0x09
        case .lowerU:
            guard let unit = hex4(raw, at: start + 2) else { return 0xFFFD }
            index = start + 6
            guard unit >= 0xD800 && unit <= 0xDBFF else { return unit }
            guard start + 7 < raw.count, raw[start + 6] == .backslash, raw[start + 7] == .lowerU,
                let low = hex4(raw, at: start + 8), low >= 0xDC00 && low <= 0xDFFF
            else { return 0xFFFD }
            index = start + 12
            return 0x1_0000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        default:
            // `"`, `\` and `/` stand for themselves.
            return UInt32(raw[start + 1])
        }
    }
}
