/// Writing and reading the integers and length-prefixed texts of the state store's blobs
/// (``ConnectionLogBlob``, ``TimeListBlob``).
@usableFromInline
enum LittleEndianBytes {
    /// Appends `value` as 8 little-endian bytes.
    static func append(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends the UTF-8 length of `text` (4 little-endian bytes) and its UTF-8.
    static func append(_ text: String, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: text.utf8)
    }

    /// Reads bytes, integers and length-prefixed texts from the front of a buffer; every read
    /// returns `nil` instead of going past its end.
    @usableFromInline
    struct Reader {
        @usableFromInline let bytes: UnsafeRawBufferPointer
        @usableFromInline var offset = 0

        @inlinable
        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        @inlinable
        var isAtEnd: Bool { offset >= bytes.count }

        @inlinable
        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        @inlinable
        mutating func int64() -> Int64? {
            guard bytes.count - offset >= 8 else { return nil }
            let value = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
            return Int64(bitPattern: UInt64(littleEndian: value))
        }

        @inlinable
        mutating func string() -> UnsafeRawBufferPointer? {
            guard bytes.count - offset >= 4 else { return nil }
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
            guard bytes.count - offset >= length else { return nil }
            defer { offset += length }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
        }
    }
}
