/// The state store's binary form of a list of times (a counting rule's window, the `times` column):
/// each time as 8 little-endian bytes, nothing else.
public enum TimeListBlob {
    /// The bytes of `times`.
    public static func encode(_ times: [Int64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(times.count * 8)
        for time in times { LittleEndianBytes.append(time, to: &bytes) }
        return bytes
    }

    /// The times in `bytes`; a trailing piece shorter than 8 bytes is ignored.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> [Int64] {
        var reader = LittleEndianBytes.Reader(bytes: bytes)
        var times: [Int64] = []
        times.reserveCapacity(bytes.count / 8)
        while let time = reader.int64() { times.append(time) }
        return times
    }
}
