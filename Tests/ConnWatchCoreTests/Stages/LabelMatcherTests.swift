import Testing

@testable import ConnWatchCore

@Suite struct LabelMatcherTests {
    @Test func parsesEveryOperator() throws {
        let cases: [(String, String, LabelMatcher.Operator, String)] = [
            (#"type_id="gw""#, "type_id", .equal, "gw"),
            (#"type_id!="gw""#, "type_id", .notEqual, "gw"),
            (#"type_id=~"gw|sensor.*""#, "type_id", .matchesRegex, "gw|sensor.*"),
            (#" type_id !~ "gw" "#, "type_id", .notMatchesRegex, "gw"),
            ("severity=critical", "severity", .equal, "critical"),
            (#"summary="say \"hi\" \\ ok""#, "summary", .equal, #"say "hi" \ ok"#),
        ]
        for (text, name, op, value) in cases {
            let parsed = try LabelMatcher(parsing: text)
            #expect(parsed.name == name)
            #expect(parsed.op == op)
            #expect(parsed.value == value)
        }
    }

    /// A value starting with a combining mark, or holding a quote or backslash before one, reads back
    /// from its text form (silence-body's seeds *-before-combining-mark): quote and mark are one `Character`.
    @Test func combiningMarksAfterQuotesReadBack() throws {
        for value in ["\u{65B}x", "a\"\u{65B}", "\\\u{301}", "\"\u{301}\""] {
            let matcher = try LabelMatcher(name: "a", op: .equal, value: value)
            #expect(try LabelMatcher(parsing: matcher.description) == matcher, "\(matcher.description)")
        }
        #expect(try LabelMatcher(parsing: "a=\"\u{301}b\"").value == "\u{301}b")
    }

    @Test func regexesAreFullyAnchored() throws {
        let labels = LabelSet(["type_id": "gw-2"])
        #expect(try matcher(#"type_id=~"gw""#).matches(labels) == false)
        #expect(try matcher(#"type_id=~"gw.*""#).matches(labels))
        #expect(try matcher(#"type_id=~"w-""#).matches(labels) == false)
        #expect(try matcher(#"type_id!~"gw""#).matches(labels))
        #expect(try matcher(#"type_id=~"a|gw-2""#).matches(labels))
        // An alternation must not escape the anchors: "x|gw" means ^(?:x|gw)$, not ^x|gw$.
        #expect(try matcher(#"type_id=~"x|gw""#).matches(labels) == false)
    }

    @Test func missingLabelIsEmpty() throws {
        let labels = LabelSet(["a": "1"])
        #expect(try matcher(#"b="""#).matches(labels))
        #expect(try matcher(#"b!="""#).matches(labels) == false)
        #expect(try matcher(#"b=~".*""#).matches(labels))
        #expect(try matcher(#"b=~".+""#).matches(labels) == false)
    }

    @Test func typedErrors() {
        #expect(throws: LabelMatcherError.missingOperator("type_id")) { try LabelMatcher(parsing: "type_id") }
        #expect(throws: LabelMatcherError.invalidLabelName("1abc")) { try LabelMatcher(parsing: #"1abc="x""#) }
        #expect(throws: LabelMatcherError.invalidLabelName("")) { try LabelMatcher(parsing: #"="x""#) }
        #expect(throws: LabelMatcherError.badQuoting(#"a="x"#)) { try LabelMatcher(parsing: #"a="x"#) }
        #expect(throws: LabelMatcherError.badQuoting(#"a="x"y"#)) { try LabelMatcher(parsing: #"a="x"y"#) }
        #expect(throws: LabelMatcherError.self) { try LabelMatcher(parsing: #"a=~"(unclosed""#) }
        #expect(throws: LabelMatcherError.self) { try LabelMatcher(parsing: #"a=~"x)|(y""#) }
    }

    @Test func descriptionRoundTrips() throws {
        let original = try LabelMatcher(name: "summary", op: .notEqual, value: #"a"b\c"#)
        #expect(try LabelMatcher(parsing: original.description) == original)
    }
}
