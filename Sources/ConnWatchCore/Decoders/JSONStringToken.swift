// Part of the byte-level JSON reader (JSONScanner.swift): the hot-path code is hand-written for the
// decoder's measured budget (DESIGN.md §8).

/// A JSON string as it appears in the payload: the bytes between the quotes, escapes not yet decoded.
///
/// Only ``JSONScanner`` makes tokens, and only after it has checked the whole string (escapes, surrogate
/// pairs, UTF-8), so comparing or decoding a token cannot fail. A token points into the scanner's buffer
/// and is valid only as long as that buffer is.
public struct JSONStringToken {
    /// The raw bytes between the quotes (escape sequences still encoded).
    public let rawBytes: UnsafeBufferPointer<UInt8>
    /// Whether the raw bytes contain at least one backslash escape.
    public let hasEscapes: Bool
    /// Byte offset of the first content byte (just after the opening quote) in the payload.
    public let offset: Int

    init(rawBytes: UnsafeBufferPointer<UInt8>, hasEscapes: Bool, offset: Int) {
        self.rawBytes = rawBytes
        self.hasEscapes = hasEscapes
        self.offset = offset
    }

    /// Whether the decoded string equals `literal`, compared byte for byte without allocating.
    ///
    /// Escaped tokens are decoded on the fly, so `"A\u0063tion"` equals `"Action"`.
    @inline(__always)
    public func equals(_ literal: StaticString) -> Bool {
        if !hasEscapes && literal.hasPointerRepresentation {
            let count = literal.utf8CodeUnitCount
            guard count == rawBytes.count else { return false }
            guard let base = rawBytes.baseAddress else { return count == 0 }
            return bytesEqual(UnsafeRawPointer(base), UnsafeRawPointer(literal.utf8Start), count: count)
        }
        return slowEquals(literal)
    }

    private func slowEquals(_ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { expected in
            var iterator = JSONUnescapedByteIterator(rawBytes)
            var index = 0
            while let byte = iterator.next() {
                guard index < expected.count, expected[index] == byte else { return false }
                index += 1
            }
            return index == expected.count
        }
    }

    /// Compares a token's decoded text with a static string without allocating.
    @inline(__always)
    public static func == (token: JSONStringToken, literal: StaticString) -> Bool {
        token.equals(literal)
    }

    /// Decodes the token into a Swift `String` (escapes resolved).
    public func makeString() -> String {
        if rawBytes.isEmpty { return "" }
        if !hasEscapes { return makeValidatedString(rawBytes) }
        // A decoded string is never longer than its escaped form (`\n` → 1 byte, `\uXXXX` → at most 3 bytes,
        // a 12-byte surrogate pair → 4 bytes), so the raw length is enough capacity.
        return String(unsafeUninitializedCapacity: rawBytes.count) { output in
            var iterator = JSONUnescapedByteIterator(rawBytes)
            var written = 0
            while written < output.count, let byte = iterator.next() {
                output[written] = byte
                written += 1
            }
            return written
        }
    }

    /// Calls `body` with the decoded UTF-8 bytes; allocates only when the token has escapes.
    public func withUnescapedBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if !hasEscapes { return body(rawBytes) }
        var decoded = makeString()
        return decoded.withUTF8(body)
    }
}
