// A byte-level JSON reader for the decode hot path (DESIGN.md §8).
//
// The scanner walks the members of one top-level JSON object directly over the payload bytes. It never
// builds a tree: the caller looks at each key (compared as raw bytes, no allocation) and either reads the
// value as the type it expects or lets the scanner skip it. Every byte of the document is still checked
// against RFC 8259 (strings, escapes, UTF-8, numbers, literals, nesting, trailing data), so a payload the
// scanner accepts is well-formed JSON.

/// The JSON type of a value, as told by its first byte.
public enum JSONValueKind: Sendable, Equatable {
    /// A string (`"…"`).
    case string
    /// A number.
    case number
    /// An object (`{…}`).
    case object
    /// An array (`[…]`).
    case array
    /// `true` or `false`.
    case bool
    /// `null`.
    case null
}

/// A byte-level JSON reader over the members of one top-level object.
///
/// Usage: call ``nextKey()`` until it returns `nil`; after each key, read the value with one of the
/// `read…` methods, or do nothing and the next ``nextKey()`` skips it. The final ``nextKey()`` (the one
/// that returns `nil`) checks that nothing but whitespace follows the object.
///
/// Errors are ``DecodeError``s with a byte offset: `.malformedJSON` for syntax errors, `.invalidUTF8` for
/// bad bytes inside strings, `.wrongType` when a value is not of the type asked for (the value is then left
/// unread and the scanner stays usable), `.invalidValue` when a number is not an integer or does not fit
/// (the number is consumed and the scanner stays usable). After a `.malformedJSON` or `.invalidUTF8` error
/// the scanner must not be used any more.
///
/// Nesting depth is unlimited and costs no stack: nested values are skipped iteratively.
public struct JSONScanner {
    /// The whole payload.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// Byte offset of the next byte the scanner looks at.
    public private(set) var offset: Int = 0

    private var state: ObjectState = .start
    private var valuePending = false

    private enum ObjectState {
        case start
        case afterMember
        case done
    }

    /// Creates a scanner over `bytes`, which must stay valid while the scanner and its tokens are used.
    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Creates a scanner over raw payload bytes, which must stay valid while the scanner and its tokens are used.
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes.assumingMemoryBound(to: UInt8.self)
    }

    // MARK: - Object members

    /// Returns the next key of the top-level object, or `nil` after its closing brace.
    ///
    /// The first call opens the object; a value not read since the previous key is skipped. After the call
    /// the scanner is positioned at the key's value. The call that returns `nil` also checks that only
    /// whitespace follows the object. A well-formed document whose top-level value is not an object throws
    /// `.wrongType`.
    @inline(__always)
    public mutating func nextKey() throws(DecodeError) -> JSONStringToken? {
        if valuePending { try skipValue() }
        switch state {
        case .start:
            skipWhitespace()
            guard offset < bytes.count else { throw Self.unexpectedEnd(at: offset) }
            guard bytes[offset] == .openBrace else {
                try skipValue()
                try finishDocument()
                throw DecodeError(.wrongType, offset: 0, detail: "the top-level JSON value is not an object")
            }
            offset += 1
            skipWhitespace()
            if offset < bytes.count && bytes[offset] == .closeBrace {
                offset += 1
                try finishDocument()
                return nil
            }
        case .afterMember:
            skipWhitespace()
            guard offset < bytes.count else { throw Self.unexpectedEnd(at: offset) }
            let byte = bytes[offset]
            if byte == .comma {
                offset += 1
                skipWhitespace()
            } else if byte == .closeBrace {
                offset += 1
                try finishDocument()
                return nil
            } else {
                throw Self.malformed("expected ',' or '}' after an object member", at: offset)
            }
        case .done:
            return nil
        }
        let key = try scanKeyAndColon()
        state = .afterMember
        valuePending = true
        return key
    }

    // MARK: - Values

    /// The kind of the value at the current position, without consuming it.
    @inline(__always)
    public func peekKind() throws(DecodeError) -> JSONValueKind {
        guard offset < bytes.count else { throw Self.unexpectedEnd(at: offset) }
        switch bytes[offset] {
        case .quote: return .string
        case .openBrace: return .object
        case .openBracket: return .array
        case .lowerT, .lowerF: return .bool
        case .lowerN: return .null
        case .minus, .digit0 ... .digit9: return .number
        default: throw Self.malformed("expected a JSON value", at: offset)
        }
    }

    /// Reads a string value as a token (no allocation). Throws `.wrongType` naming `field` for any other type.
    @inline(__always)
    public mutating func readStringToken(field: String? = nil) throws(DecodeError) -> JSONStringToken {
        let kind = try peekKind()
        guard kind == .string else { throw Self.wrongType(field, expected: "a string", at: offset) }
        valuePending = false
        return try scanString()
    }

    /// Reads a string value as a token, or `nil` for `null`.
    @inline(__always)
    public mutating func readOptionalStringToken(field: String? = nil) throws(DecodeError) -> JSONStringToken? {
        if try readNull() { return nil }
        return try readStringToken(field: field)
    }

    /// Reads a string value and decodes it into a `String`.
    public mutating func readString(field: String? = nil) throws(DecodeError) -> String {
        try readStringToken(field: field).makeString()
    }

    /// Reads a string value into a `String`, or `nil` for `null`.
    public mutating func readOptionalString(field: String? = nil) throws(DecodeError) -> String? {
        try readOptionalStringToken(field: field)?.makeString()
    }

    /// Reads an integer value.
    ///
    /// Throws `.wrongType` for a non-number, and `.invalidValue` for a number with a fraction or exponent or
    /// one outside the `Int64` range (such a number is consumed).
    @inline(__always)
    public mutating func readInt64(field: String? = nil) throws(DecodeError) -> Int64 {
        let kind = try peekKind()
        guard kind == .number else { throw Self.wrongType(field, expected: "an integer", at: offset) }
        valuePending = false
        let start = offset
        let isInteger = try scanNumber()
        guard isInteger else {
            throw DecodeError(
                .invalidValue,
                field: field,
                offset: start,
                detail: "expected an integer, found a fraction"
            )
        }
        var index = start
        var negative = false
        if bytes[index] == .minus {
            negative = true
            index += 1
        }
        var value: Int64 = 0
        while index < offset {
            let digit = Int64(bytes[index] &- .digit0)
            let (scaled, scaleOverflow) = value.multipliedReportingOverflow(by: 10)
            let (next, addOverflow) =
                negative ? scaled.subtractingReportingOverflow(digit) : scaled.addingReportingOverflow(digit)
            if scaleOverflow || addOverflow {
                throw DecodeError(.invalidValue, field: field, offset: start, detail: "integer out of range")
            }
            value = next
            index += 1
        }
        return value
    }

    /// Reads an integer value, or `nil` for `null`.
    @inline(__always)
    public mutating func readOptionalInt64(field: String? = nil) throws(DecodeError) -> Int64? {
        if try readNull() { return nil }
        return try readInt64(field: field)
    }

    /// Reads `true` or `false`. Throws `.wrongType` naming `field` for any other type.
    @inline(__always)
    public mutating func readBool(field: String? = nil) throws(DecodeError) -> Bool {
        let kind = try peekKind()
        guard kind == .bool else { throw Self.wrongType(field, expected: "a boolean", at: offset) }
        valuePending = false
        if bytes[offset] == .lowerT {
            try scanLiteral("true")
            return true
        }
        try scanLiteral("false")
        return false
    }

    /// Reads a boolean value, or `nil` for `null`.
    @inline(__always)
    public mutating func readOptionalBool(field: String? = nil) throws(DecodeError) -> Bool? {
        if try readNull() { return nil }
        return try readBool(field: field)
    }

    /// Consumes a `null` and returns `true`; for any other value returns `false` and consumes nothing.
    @inline(__always)
    public mutating func readNull() throws(DecodeError) -> Bool {
        guard try peekKind() == .null else { return false }
        valuePending = false
        try scanLiteral("null")
        return true
    }

    /// Skips the value at the current position, checking it is well-formed. Nested objects and arrays of
    /// any depth are skipped iteratively.
    public mutating func skipValue() throws(DecodeError) {
        valuePending = false
        // Scalars (the common case) need no container stack.
        guard offset < bytes.count else { throw Self.unexpectedEnd(at: offset) }
        switch bytes[offset] {
        case .quote:
            _ = try scanString()
        case .minus, .digit0 ... .digit9:
            _ = try scanNumber()
        case .lowerT:
            try scanLiteral("true")
        case .lowerF:
            try scanLiteral("false")
        case .lowerN:
            try scanLiteral("null")
        default:
            try skipNestedValue()
        }
    }

    /// Skips a value that may be an object or array, iteratively, with one bit of state per nesting level.
    private mutating func skipNestedValue() throws(DecodeError) {
        var stack = JSONContainerStack()
        nextValue: while true {
            guard offset < bytes.count else { throw Self.unexpectedEnd(at: offset) }
            switch bytes[offset] {
            case .openBrace:
                offset += 1
                skipWhitespace()
                if offset < bytes.count && bytes[offset] == .closeBrace {
                    offset += 1
                } else {
                    _ = try scanKeyAndColon()
                    stack.push(isObject: true)
                    continue nextValue
                }
            case .openBracket:
                offset += 1
                skipWhitespace()
                if offset < bytes.count && bytes[offset] == .closeBracket {
                    offset += 1
                } else {
                    stack.push(isObject: false)
                    continue nextValue
                }
            case .quote:
                _ = try scanString()
            case .lowerT:
                try scanLiteral("true")
            case .lowerF:
                try scanLiteral("false")
            case .lowerN:
                try scanLiteral("null")
            case .minus, .digit0 ... .digit9:
                _ = try scanNumber()
            default:
                throw Self.malformed("expected a JSON value", at: offset)
            }
            // A complete value has been read: close containers until one continues with another element.
            while !stack.isEmpty {
                skipWhitespace()
                guard offset < bytes.count else { throw Self.unexpectedEnd(at: offset) }
                let byte = bytes[offset]
                if stack.topIsObject {
                    if byte == .comma {
                        offset += 1
                        skipWhitespace()
                        _ = try scanKeyAndColon()
                        continue nextValue
                    }
                    guard byte == .closeBrace else {
                        throw Self.malformed("expected ',' or '}' in an object", at: offset)
                    }
                } else {
                    if byte == .comma {
                        offset += 1
                        skipWhitespace()
                        continue nextValue
                    }
                    guard byte == .closeBracket else {
                        throw Self.malformed("expected ',' or ']' in an array", at: offset)
                    }
                }
                offset += 1
                stack.pop()
            }
            return
        }
    }

    // MARK: - Lexing

    @inline(__always)
    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case .space, .tab, .lineFeed, .carriageReturn: offset += 1
            default: return
            }
        }
    }

    @inline(__always)
    private mutating func finishDocument() throws(DecodeError) {
        state = .done
        skipWhitespace()
        guard offset == bytes.count else {
            throw Self.malformed("unexpected data after the top-level value", at: offset)
        }
    }

    /// Reads `"key"`, the colon and following whitespace; leaves the scanner at the member's value.
    @inline(__always)
    private mutating func scanKeyAndColon() throws(DecodeError) -> JSONStringToken {
        guard offset < bytes.count else { throw Self.unexpectedEnd(at: offset) }
        guard bytes[offset] == .quote else { throw Self.malformed("expected a string key", at: offset) }
        let key = try scanString()
        skipWhitespace()
        guard offset < bytes.count else { throw Self.unexpectedEnd(at: offset) }
        guard bytes[offset] == .colon else { throw Self.malformed("expected ':' after an object key", at: offset) }
        offset += 1
        skipWhitespace()
        return key
    }

    /// Scans the string whose opening quote is at `offset`, validating escapes and UTF-8.
    @inline(__always)
    private mutating func scanString() throws(DecodeError) -> JSONStringToken {
        let start = offset + 1
        var index = start
        var hasEscapes = false
        let end = bytes.count
        while true {
            // Find the next byte that is not plain ASCII text: eight bytes at a time while at least eight
            // remain, then byte by byte.
            var found = false
            if let base = bytes.baseAddress {
                let raw = UnsafeRawPointer(base)
                while index + 8 <= end {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    let mask = attentionMask(word)
                    if mask != 0 {
                        index += mask.trailingZeroBitCount >> 3
                        found = true
                        break
                    }
                    index += 8
                }
            }
            if !found {
                while index < end {
                    let byte = bytes[index]
                    if byte < 0x20 || byte >= 0x80 || byte == .quote || byte == .backslash { break }
                    index += 1
                }
            }
            guard index < end else { throw Self.malformed("unterminated string", at: offset) }
            let byte = bytes[index]
            if byte == .quote { break }
            if byte == .backslash {
                hasEscapes = true
                index = try scanEscape(at: index)
            } else if byte < 0x20 {
                throw Self.malformed("unescaped control character in a string", at: index)
            } else {
                index = try scanUTF8Sequence(at: index)
            }
        }
        offset = index + 1
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
        return JSONStringToken(rawBytes: raw, hasEscapes: hasEscapes, offset: start)
    }

    /// Checks the escape sequence whose backslash is at `index`; returns the index after it.
    private func scanEscape(at index: Int) throws(DecodeError) -> Int {
        guard index + 1 < bytes.count else { throw Self.malformed("unterminated string", at: index) }
        switch bytes[index + 1] {
        case .quote, .backslash, .slash, .lowerB, .lowerF, .lowerN, .lowerR, .lowerT:
            return index + 2
        case .lowerU:
            guard let unit = hex4(bytes, at: index + 2) else {
                throw Self.malformed("invalid \\u escape", at: index)
            }
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw Self.malformed("unpaired low surrogate escape", at: index)
            }
            guard unit >= 0xD800 && unit <= 0xDBFF else { return index + 6 }
            guard index + 7 < bytes.count, bytes[index + 6] == .backslash, bytes[index + 7] == .lowerU,
                let low = hex4(bytes, at: index + 8), low >= 0xDC00 && low <= 0xDFFF
            else {
                throw Self.malformed("unpaired high surrogate escape", at: index)
            }
            return index + 12
        default:
            throw Self.malformed("invalid escape sequence", at: index)
        }
    }

    /// Checks the multi-byte UTF-8 sequence starting at `index`; returns the index after it.
    private func scanUTF8Sequence(at index: Int) throws(DecodeError) -> Int {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF:
            length = 2
        case 0xE0:
            length = 3
            low = 0xA0  // no overlong forms
        case 0xE1...0xEC, 0xEE...0xEF:
            length = 3
        case 0xED:
            length = 3
            high = 0x9F  // no UTF-16 surrogates
        case 0xF0:
            length = 4
            low = 0x90  // no overlong forms
        case 0xF1...0xF3:
            length = 4
        case 0xF4:
            length = 4
            high = 0x8F  // nothing above U+10FFFF
        default:
            throw Self.invalidUTF8(at: index)
        }
        guard index + length <= bytes.count else { throw Self.invalidUTF8(at: index) }
        let second = bytes[index + 1]
        guard second >= low && second <= high else { throw Self.invalidUTF8(at: index) }
        var next = index + 2
        while next < index + length {
            guard bytes[next] & 0xC0 == 0x80 else { throw Self.invalidUTF8(at: index) }
            next += 1
        }
        return next
    }

    /// Scans a number at `offset` per the JSON grammar; returns whether it has neither fraction nor exponent.
    private mutating func scanNumber() throws(DecodeError) -> Bool {
        let end = bytes.count
        var index = offset
        if index < end && bytes[index] == .minus { index += 1 }
        guard index < end else { throw Self.unexpectedEnd(at: index) }
        let first = bytes[index]
        if first == .digit0 {
            index += 1
            if index < end && bytes[index].isDigit {
                throw Self.malformed("leading zero in a number", at: index - 1)
            }
        } else if first.isDigit {
            index += 1
            while index < end && bytes[index].isDigit { index += 1 }
        } else {
            throw Self.malformed("expected a digit", at: index)
        }
        var isInteger = true
        if index < end && bytes[index] == .dot {
            isInteger = false
            index += 1
            guard index < end else { throw Self.unexpectedEnd(at: index) }
            guard bytes[index].isDigit else { throw Self.malformed("expected a digit after '.'", at: index) }
            while index < end && bytes[index].isDigit { index += 1 }
        }
        if index < end && (bytes[index] == .lowerE || bytes[index] == .upperE) {
            isInteger = false
            index += 1
            if index < end && (bytes[index] == .plus || bytes[index] == .minus) { index += 1 }
            guard index < end else { throw Self.unexpectedEnd(at: index) }
            guard bytes[index].isDigit else { throw Self.malformed("expected a digit in an exponent", at: index) }
            while index < end && bytes[index].isDigit { index += 1 }
        }
        offset = index
        return isInteger
    }

    /// Consumes `literal` (`true`, `false` or `null`) at `offset`.
    @inline(__always)
    private mutating func scanLiteral(_ literal: StaticString) throws(DecodeError) {
        let start = offset
        let matched = literal.withUTF8Buffer { expected -> Bool in
            guard start + expected.count <= bytes.count else { return false }
            var index = 0
            while index < expected.count {
                if bytes[start + index] != expected[index] { return false }
                index += 1
            }
            return true
        }
        guard matched else { throw Self.malformed("invalid literal", at: start) }
        offset += literal.utf8CodeUnitCount
    }

    // MARK: - Errors

    @inline(never)
    private static func malformed(_ detail: String, at offset: Int) -> DecodeError {
        DecodeError(.malformedJSON, offset: offset, detail: detail)
    }

    @inline(never)
    private static func unexpectedEnd(at offset: Int) -> DecodeError {
        DecodeError(.malformedJSON, offset: offset, detail: "unexpected end of JSON")
    }

    @inline(never)
    private static func invalidUTF8(at offset: Int) -> DecodeError {
        DecodeError(.invalidUTF8, offset: offset, detail: "invalid UTF-8 in a string")
    }

    @inline(never)
    private static func wrongType(_ field: String?, expected: String, at offset: Int) -> DecodeError {
        DecodeError(.wrongType, field: field, offset: offset, detail: "expected \(expected)")
    }
}
