import Foundation

/// Why a matcher's text could not be read.
public enum LabelMatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `=`, `!=`, `=~` or `!~` after the label name.
    case missingOperator(String)
    /// The label name is not `[a-zA-Z_][a-zA-Z0-9_]*`.
    case invalidLabelName(String)
    /// A quoted value without its closing quote, or with a bad escape.
    case badQuoting(String)
    /// The pattern of `=~` / `!~` is not a regular expression.
    case invalidRegex(pattern: String, reason: String)

    public var description: String {
        switch self {
        case .missingOperator(let text): "matcher '\(text)' has no operator (=, !=, =~, !~)"
        case .invalidLabelName(let name):
            "'\(name)' is not a label name (letters, digits and _, not starting with a digit)"
        case .badQuoting(let text): "matcher '\(text)' has a badly quoted value"
        case .invalidRegex(let pattern, let reason): "'\(pattern)' is not a regular expression: \(reason)"
        }
    }
}

/// One Alertmanager-style label matcher: `name="value"`, `name!="value"`, `name=~"re"`, `name!~"re"`.
///
/// Regular expressions are fully anchored, as in Alertmanager: `=~"gw"` matches `gw`, not `gw-2`.
/// A label the alert does not have counts as the empty string.
public struct LabelMatcher: Sendable, Hashable, CustomStringConvertible {
    /// How the label's value is compared.
    public enum Operator: String, Sendable, CaseIterable {
        /// `=`: equal.
        case equal = "="
        /// `!=`: not equal.
        case notEqual = "!="
        /// `=~`: the whole value matches the regular expression.
        case matchesRegex = "=~"
        /// `!~`: the whole value does not match the regular expression.
        case notMatchesRegex = "!~"
    }

    /// The label name.
    public let name: String
    /// The comparison.
    public let op: Operator
    /// The value or the regular expression, unquoted.
    public let value: String
    private let regex: AnchoredRegex?

    /// A matcher; throws if `name` is not a label name or a regex operator's `value` does not compile.
    public init(name: String, op: Operator, value: String) throws(LabelMatcherError) {
        guard Self.isLabelName(name) else { throw .invalidLabelName(name) }
        self.name = name
        self.op = op
        self.value = value
        switch op {
        case .equal, .notEqual: regex = nil
        case .matchesRegex, .notMatchesRegex: regex = try AnchoredRegex(value)
        }
    }

    /// Parses Alertmanager's string form: `name="value"`, `name=~"re"`; the value may also be unquoted.
    public init(parsing text: String) throws(LabelMatcherError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let opStart = trimmed.firstIndex(where: { $0 == "=" || $0 == "!" }) else {
            throw .missingOperator(text)
        }
        let name = trimmed[..<opStart].trimmingCharacters(in: .whitespaces)
        var rest = trimmed[opStart...]
        let op: Operator
        if rest.hasPrefix("=~") {
            op = .matchesRegex
        } else if rest.hasPrefix("!~") {
            op = .notMatchesRegex
        } else if rest.hasPrefix("!=") {
            op = .notEqual
        } else if rest.hasPrefix("=") {
            op = .equal
        } else {
            throw .missingOperator(text)
        }
        rest = rest.dropFirst(op.rawValue.count)
        let raw = rest.trimmingCharacters(in: .whitespaces)
        let value: String
        // By scalar: a quote followed by a combining mark is one `Character`, but still the opening quote.
        if raw.unicodeScalars.first == "\"" {
            value = try Self.unquote(raw, whole: text)
        } else {
            value = raw
        }
        try self.init(name: name, op: op, value: value)
    }

    /// Whether `labels` satisfy this matcher.
    public func matches(_ labels: LabelSet) -> Bool {
        let actual = labels[name] ?? ""
        switch op {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .matchesRegex: return regex?.matches(actual) ?? false
        case .notMatchesRegex: return !(regex?.matches(actual) ?? false)
        }
    }

    /// The string form, `name="value"`, with `"` and `\` escaped (by scalar: a quote followed by a
    /// combining mark is escaped too, as ``init(parsing:)`` reads it).
    public var description: String {
        var escaped = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { escaped.append("\\") }
            escaped.append(scalar)
        }
        return "\(name)\(op.rawValue)\"\(String(escaped))\""
    }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.op == rhs.op && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(op)
        hasher.combine(value)
    }

    /// Whether `name` is a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
    public static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func isLetter(_ scalar: Unicode.Scalar) -> Bool {
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
        }
        guard isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { isLetter($0) || ($0 >= "0" && $0 <= "9") }
    }

    private static func unquote(_ raw: String, whole: String) throws(LabelMatcherError) -> String {
        var result = String.UnicodeScalarView()
        var iterator = raw.unicodeScalars.dropFirst().makeIterator()
        var closed = false
        while let scalar = iterator.next() {
            if closed { throw .badQuoting(whole) }
            switch scalar {
            case "\"": closed = true
            case "\\":
                switch iterator.next() {
                case "\"": result.append("\"")
                case "\\": result.append("\\")
                case "n": result.append("\n")
                default: throw .badQuoting(whole)
                }
            default: result.append(scalar)
            }
        }
        guard closed else { throw .badQuoting(whole) }
        return String(result)
    }
}

/// A compiled, fully anchored regular expression.
private struct AnchoredRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to share between threads.
    let expression: NSRegularExpression

    init(_ pattern: String) throws(LabelMatcherError) {
        do {
            // Compiled alone first: a pattern with unbalanced parentheses could escape the anchors.
            _ = try NSRegularExpression(pattern: pattern)
            expression = try NSRegularExpression(pattern: "\\A(?:" + pattern + ")\\z")
        } catch {
            throw .invalidRegex(
                pattern: pattern,
                reason: "it does not compile (check brackets, parentheses and escapes)"
            )
        }
    }

    func matches(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, range: range) != nil
    }
}
