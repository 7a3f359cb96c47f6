/// Byte-level comparisons of UTF-8 text for the client table's hot paths (every new or restored
/// client, every changed reason), where `String`'s `==` would compare by canonical equivalence
/// (slower, and wrong here: two equivalent texts must stay apart) and `elementsEqual` over the
/// UTF-8 views goes a byte at a time through their indices.
enum UTF8Bytes {
    /// Whether two byte runs of the same length are equal, eight bytes at a time.
    @inline(__always)
    static func equal(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset + 8 <= lhs.count {
            if lhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != rhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            {
                return false
            }
            offset += 8
        }
        while offset < lhs.count {
            if lhs[offset] != rhs[offset] { return false }
            offset += 1
        }
        return true
    }

    /// Whether two texts have the same UTF-8 bytes.
    static func same(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in rhs.withUTF8 { equal(UnsafeRawBufferPointer(left), UnsafeRawBufferPointer($0)) } }
    }

    /// Whether the UTF-8 of `text` ends with that of `suffix`.
    static func hasSuffix(_ text: String, _ suffix: String) -> Bool {
        let length = text.utf8.count
        let suffixLength = suffix.utf8.count
        guard suffixLength <= length else { return false }
        var text = text
        var suffix = suffix
        return text.withUTF8 { whole in
            suffix.withUTF8 { end in
                equal(
                    UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(whole)[(length - suffixLength)...]),
                    UnsafeRawBufferPointer(end)
                )
            }
        }
    }
}
