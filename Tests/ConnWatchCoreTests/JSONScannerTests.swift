import Testing

@testable import ConnWatchCore

/// Runs `body` with a scanner over the UTF-8 bytes of `json`.
private func withScanner<R>(
    _ json: String,
    _ body: (inout JSONScanner) throws(DecodeError) -> R
) -> Result<R, DecodeError> {
    withScanner(Array(json.utf8), body)
}

/// Runs `body` with a scanner over `bytes`.
private func withScanner<R>(
    _ bytes: [UInt8],
    _ body: (inout JSONScanner) throws(DecodeError) -> R
) -> Result<R, DecodeError> {
    bytes.withUnsafeBufferPointer { buffer in
        var scanner = JSONScanner(buffer)
        do throws(DecodeError) {
            return .success(try body(&scanner))
        } catch {
            return .failure(error)
        }
    }
}

/// Scans a whole document, skipping every value; returns the top-level keys.
private func keys(of json: String) -> Result<[String], DecodeError> {
    keys(of: Array(json.utf8))
}

private func keys(of bytes: [UInt8]) -> Result<[String], DecodeError> {
    withScanner(bytes) { (scanner: inout JSONScanner) throws(DecodeError) -> [String] in
        var result: [String] = []
        while let key = try scanner.nextKey() { result.append(key.makeString()) }
        return result
    }
}

/// The error of a result, or `nil` if it succeeded.
private func failure<T>(_ result: Result<T, DecodeError>) -> DecodeError? {
    if case .failure(let error) = result { return error }
    return nil
}

/// Reads the single member of `{"v": …}` as a string.
private func stringValue(_ json: String) -> Result<String, DecodeError> {
    withScanner(json) { (scanner: inout JSONScanner) throws(DecodeError) -> String in
        _ = try scanner.nextKey()
        let value = try scanner.readString(field: "v")
        _ = try scanner.nextKey()
        return value
    }
}

/// Reads the single member of `{"v": …}` as an integer.
private func intValue(_ json: String) -> Result<Int64, DecodeError> {
    withScanner(json) { (scanner: inout JSONScanner) throws(DecodeError) -> Int64 in
        _ = try scanner.nextKey()
        let value = try scanner.readInt64(field: "v")
        _ = try scanner.nextKey()
        return value
    }
}

@Suite struct JSONScannerTests {
    @Test func iteratesKeysAndReadsTypedValues() throws {
        let json = #" { "s" : "text", "i": -42, "t": true, "f": false, "n": null, "o": {"x": [1, 2]}, "z": 0 } "#
        let result = withScanner(json) {
            (scanner: inout JSONScanner) throws(DecodeError) -> (String, Int64, Bool, Bool, Bool, Int64, [String]) in
            var names: [String] = []
            var text = ""
            var integer: Int64 = 0
            var yes = false
            var no = true
            var sawNull = false
            var zero: Int64 = -1
            while let key = try scanner.nextKey() {
                names.append(key.makeString())
                let kind = try scanner.peekKind()
                if key == "s" {
                    #expect(kind == .string)
                    text = try scanner.readString()
                } else if key == "i" {
                    #expect(kind == .number)
                    integer = try scanner.readInt64()
                } else if key == "t" {
                    #expect(kind == .bool)
                    yes = try scanner.readBool()
                } else if key == "f" {
                    no = try scanner.readBool()
                } else if key == "n" {
                    #expect(kind == .null)
                    sawNull = try scanner.readNull()
                } else if key == "o" {
                    #expect(kind == .object)
                    try scanner.skipValue()
                } else if key == "z" {
                    zero = try scanner.readInt64()
                }
            }
            return (text, integer, yes, no, sawNull, zero, names)
        }
        let values = try result.get()
        #expect(values.0 == "text")
        #expect(values.1 == -42)
        #expect(values.2 == true)
        #expect(values.3 == false)
        #expect(values.4 == true)
        #expect(values.5 == 0)
        #expect(values.6 == ["s", "i", "t", "f", "n", "o", "z"])
    }

    @Test func unreadValuesAreSkipped() throws {
        let json = #"{"a":{"b":[{"c":"}]\"{"},[],{}],"d":"x"},"e":[1,-2.5e+3,true,null,"]"],"f":"last"}"#
        #expect(try keys(of: json).get() == ["a", "e", "f"])
    }

    @Test func emptyObject() throws {
        #expect(try keys(of: "{}").get() == [])
        #expect(try keys(of: " \n\t{ \r\n } \n").get() == [])
    }

    @Test func decodesAllEscapes() throws {
        let json = #"{"v":"q\" b\\ s\/ \b\f\n\r\t \u00e9 \u20AC \ud83d\ude00 \u0041"}"#
        #expect(try stringValue(json).get() == "q\" b\\ s/ \u{8}\u{C}\n\r\t é € 😀 A")
    }

    @Test func keepsValidMultiByteUTF8() throws {
        #expect(try stringValue(#"{"v":"café € 😀 日本"}"#).get() == "café € 😀 日本")
    }

    @Test func longStringsUseTheFastPathCorrectly() throws {
        let long = String(repeating: "abcdefgh", count: 20)
        #expect(try stringValue(#"{"v":"\#(long)"}"#).get() == long)
        #expect(try stringValue(#"{"v":"\#(long)\n\#(long)é"}"#).get() == long + "\n" + long + "é")
    }

    @Test func escapedKeysCompareByDecodedText() throws {
        let result = withScanner(#"{"A\u0063tion":1}"#) { (scanner: inout JSONScanner) throws(DecodeError) -> Bool in
            guard let key = try scanner.nextKey() else { return false }
            return key == "Action" && !(key == "Actio") && !(key == "Actions") && key.hasEscapes
        }
        #expect(try result.get() == true)
    }

    @Test func tokenKeepsRawBytesAndOffset() throws {
        let result = withScanner(#"{"key":"va\"lue"}"#) {
            (scanner: inout JSONScanner) throws(DecodeError) -> (Int, Int, Bool, String) in
            _ = try scanner.nextKey()
            let token = try scanner.readStringToken()
            return (token.offset, token.rawBytes.count, token.hasEscapes, token.makeString())
        }
        let (offset, rawCount, hasEscapes, text) = try result.get()
        #expect(offset == 8)
        #expect(rawCount == 7)
        #expect(hasEscapes)
        #expect(text == "va\"lue")
    }

    @Test func integers() throws {
        #expect(try intValue(#"{"v":0}"#).get() == 0)
        #expect(try intValue(#"{"v":-0}"#).get() == 0)
        #expect(try intValue(#"{"v":8883}"#).get() == 8883)
        #expect(try intValue(#"{"v":-17}"#).get() == -17)
        #expect(try intValue(#"{"v":9223372036854775807}"#).get() == Int64.max)
        #expect(try intValue(#"{"v":-9223372036854775808}"#).get() == Int64.min)
    }

    @Test func integerRangeAndFractionsAreInvalidValues() {
        for json in [
            #"{"v":9223372036854775808}"#, #"{"v":-9223372036854775809}"#, #"{"v":1.5}"#, #"{"v":1e3}"#,
            #"{"v":100000000000000000000000}"#,
        ] {
            let error = failure(intValue(json))
            #expect(error?.code == .invalidValue, "\(json)")
            #expect(error?.field == "v", "\(json)")
            #expect(error?.offset == 5, "\(json)")
        }
    }

    @Test func wrongTypesAreReportedWithTheField() {
        let error = failure(intValue(#"{"v":"8883"}"#))
        #expect(error?.code == .wrongType)
        #expect(error?.field == "v")
        #expect(error?.offset == 5)
        #expect(failure(stringValue(#"{"v":12}"#))?.code == .wrongType)
        #expect(failure(stringValue(#"{"v":{}}"#))?.code == .wrongType)
        let bool = withScanner(#"{"v":"true"}"#) { (scanner: inout JSONScanner) throws(DecodeError) -> Bool in
            _ = try scanner.nextKey()
            return try scanner.readBool(field: "v")
        }
        #expect(failure(bool)?.code == .wrongType)
    }

    @Test func wrongTypeLeavesTheScannerUsable() throws {
        let result = withScanner(#"{"a":[1,{"x":"y"}],"b":2}"#) {
            (scanner: inout JSONScanner) throws(DecodeError) -> Int64 in
            _ = try scanner.nextKey()
            do throws(DecodeError) {
                _ = try scanner.readString(field: "a")
            } catch {
                #expect(error.code == .wrongType)
            }
            guard let key = try scanner.nextKey(), key == "b" else { return -1 }
            let value = try scanner.readInt64()
            let end = try scanner.nextKey()
            #expect(end == nil)
            return value
        }
        #expect(try result.get() == 2)
    }

    @Test func optionalReadersTreatNullAsAbsent() throws {
        let result = withScanner(#"{"a":null,"b":null,"c":null,"d":"x"}"#) {
            (scanner: inout JSONScanner) throws(DecodeError) -> [Bool] in
            _ = try scanner.nextKey()
            let a = try scanner.readOptionalString() == nil
            _ = try scanner.nextKey()
            let b = try scanner.readOptionalInt64() == nil
            _ = try scanner.nextKey()
            let c = try scanner.readOptionalBool() == nil
            _ = try scanner.nextKey()
            let d = try scanner.readOptionalString() == "x"
            return [a, b, c, d]
        }
        #expect(try result.get() == [true, true, true, true])
    }

    @Test(arguments: [
        ("", 0),
        ("   ", 3),
        ("{", 1),
        (#"{"a""#, 4),
        (#"{"a":"#, 5),
        (#"{"a":1"#, 6),
        (#"{"a":1,"#, 7),
        (#"{"a":1,}"#, 7),
        (#"{"a" 1}"#, 5),
        (#"{a:1}"#, 1),
        (#"{"a":1 "b":2}"#, 7),
        (#"{"a":01}"#, 5),
        (#"{"a":-01}"#, 6),
        (#"{"a":-}"#, 6),
        (#"{"a":1.}"#, 7),
        (#"{"a":.5}"#, 5),
        (#"{"a":1e}"#, 7),
        (#"{"a":1e+}"#, 8),
        (#"{"a":+1}"#, 5),
        (#"{"a":tru}"#, 5),
        (#"{"a":nul}"#, 5),
        (#"{"a":True}"#, 5),
        (#"{"a":"x}"#, 5),
        (#"{"a":"\x"}"#, 6),
        (#"{"a":"\u12G4"}"#, 6),
        (#"{"a":"\u123"}"#, 6),
        (#"{"a":"\ud83d"}"#, 6),
        (#"{"a":"\ud83d\u0041"}"#, 6),
        (#"{"a":"\ude00"}"#, 6),
        (#"{"a":[1,2}"#, 9),
        (#"{"a":{"b":1]}"#, 11),
        (#"{"a":[1,]}"#, 8),
        (#"{"a":{"b"}}"#, 9),
        (#"{"a":1}x"#, 7),
        (#"{"a":1}{}"#, 7),
        (#"{"a":1} ,"#, 8),
        ("{\"a\":\"tab\there\"}", 9),
        ("{\"a\":\"nl\n\"}", 8),
    ])
    func malformedDocumentsAreTypedErrors(json: String, offset: Int) {
        let error = failure(keys(of: json))
        #expect(error?.code == .malformedJSON, "\(json)")
        #expect(error?.offset == offset, "\(json)")
    }

    @Test func topLevelNonObjectIsWrongType() {
        #expect(failure(keys(of: "[1,2]"))?.code == .wrongType)
        #expect(failure(keys(of: #""text""#))?.code == .wrongType)
        #expect(failure(keys(of: "42"))?.code == .wrongType)
        // Still checked for well-formedness first.
        #expect(failure(keys(of: "[1,2"))?.code == .malformedJSON)
        #expect(failure(keys(of: "[1] x"))?.code == .malformedJSON)
    }

    @Test(
        arguments: [
            [0xFF],
            [0xC0, 0x80],  // overlong NUL
            [0xE0, 0x80, 0x80],  // overlong
            [0xED, 0xA0, 0x80],  // UTF-16 surrogate
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xE2, 0x82],  // truncated sequence
            [0x80],  // lone continuation byte
            [0xC3, 0x28],  // bad continuation
        ] as [[UInt8]]
    )
    func invalidUTF8InStrings(bad: [UInt8]) {
        let bytes = Array(#"{"a":"x"#.utf8) + bad + Array(#"y","b":1}"#.utf8)
        let error = failure(keys(of: bytes))
        #expect(error?.code == .invalidUTF8)
        #expect(error?.offset == 7)
        // Skipped values and keys are checked too.
        let inKey = Array(#"{"x"#.utf8) + bad + Array(#"":1}"#.utf8)
        #expect(failure(keys(of: inKey))?.code == .invalidUTF8)
    }

    @Test func nonUTF8OutsideStringsIsMalformed() {
        let bytes: [UInt8] = Array(#"{"a":"#.utf8) + [0xFF] + Array("}".utf8)
        #expect(failure(keys(of: bytes))?.code == .malformedJSON)
    }

    @Test func deepNestingIsSkippedWithoutRecursion() throws {
        let depth = 100_000
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try keys(of: #"{"deep":\#(arrays),"after":1}"#).get() == ["deep", "after"])
        let objects = String(repeating: #"{"k":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(try keys(of: #"{"deep":\#(objects),"after":1}"#).get() == ["deep", "after"])
        let mixed = String(repeating: #"[{"k":["#, count: depth / 3) + String(repeating: "]}]", count: depth / 3)
        #expect(try keys(of: #"{"deep":\#(mixed)}"#).get() == ["deep"])
    }

    @Test func deepNestingErrorsAreDetected() {
        let depth = 100_000
        let unclosed = #"{"deep":"# + String(repeating: "[", count: depth)
        #expect(failure(keys(of: unclosed))?.code == .malformedJSON)
        let mismatched = #"{"deep":"# + String(repeating: "[", count: depth) + "}"
        #expect(failure(keys(of: mismatched))?.offset == 8 + depth)
    }

    @Test func everyPrefixOfAValidDocumentFails() {
        let json = Array(#"{"a":"x\u00e9\"y","b":[1,-2.5e3,{"c":null}],"d":true,"e":false,"f":-0}"#.utf8)
        #expect(throws: Never.self) { try keys(of: json).get() }
        for length in 0..<json.count {
            let error = failure(keys(of: Array(json[..<length])))
            #expect(error?.code == .malformedJSON, "prefix of length \(length)")
        }
    }
}
