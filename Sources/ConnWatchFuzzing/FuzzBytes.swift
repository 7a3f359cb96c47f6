/// Takes structured values from the front of fuzz input (as libFuzzer's FuzzedDataProvider does): the
/// fuzzer's mutations of the bytes become mutations of the values. Past the end every read gives zero.
struct FuzzBytes {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bool() -> Bool { byte() & 1 != 0 }

    /// 8 bytes, little-endian.
    mutating func int64() -> Int64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(byte()) << UInt64(shift) }
        return Int64(bitPattern: value)
    }

    /// A value in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(UInt64(bitPattern: int64()) % width)
    }

    /// One of `choices`, or `nil` when the next byte says none (one time in four).
    mutating func optional<T>(_ choices: [T]) -> T? {
        let pick = Int(byte())
        guard pick % 4 != 0, !choices.isEmpty else { return nil }
        return choices[pick % choices.count]
    }

    /// Text of up to `limit` UTF-8 bytes: a length byte, then the bytes (invalid UTF-8 repaired).
    mutating func text(limit: Int = 32) -> String {
        let length = min(Int(byte()), limit, bytes.count - min(offset, bytes.count))
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }
}
