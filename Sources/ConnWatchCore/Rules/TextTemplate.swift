/// A rule annotation: a text with `{{name}}` placeholders (the variable subset of Mustache), parsed once.
///
/// It stays a placeholder language rather than a swift-mustache template (as receiver templates are):
/// the config loader checks every placeholder against the variables the rule's kind has
/// (`variables`), which needs the list of names a template uses — swift-mustache does not expose
/// its parsed tags, and with sections that list would depend on the values. The engine renders
/// annotations for each alert with plain values and no escaping; the receiver's template escapes
/// them when it substitutes an annotation, and can show or hide it with sections there.
public struct TextTemplate: Sendable, Equatable, CustomStringConvertible {
    enum Part: Sendable, Equatable {
        case text(String)
        case variable(String)
    }

    /// Why a template could not be parsed.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Offset in characters where the problem starts.
        public var offset: Int
        public var message: String
        public var description: String { message }
    }

    public let source: String
    let parts: [Part]

    /// Parses `source`; an unclosed `{{` or an empty or malformed name is an error.
    public init(_ source: String) throws(ParseError) {
        self.source = source
        var parts: [Part] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                throw ParseError(
                    offset: source.distance(from: source.startIndex, to: open.lowerBound),
                    message: "unclosed '{{' in template"
                )
            }
            let name = afterOpen[..<close.lowerBound].trimmingSpaces()
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else {
                throw ParseError(
                    offset: source.distance(from: source.startIndex, to: open.lowerBound),
                    message: "bad placeholder '{{\(afterOpen[..<close.lowerBound])}}' in template"
                )
            }
            parts.append(.variable(String(name)))
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// For templates written in code that are known to parse.
    init(validated source: String) {
        if let parsed = try? TextTemplate(source) {
            self = parsed
        } else {
            self.source = source
            self.parts = [.text(source)]
        }
    }

    /// The placeholder names the template uses.
    public var variables: [String] {
        parts.compactMap {
            if case .variable(let name) = $0 { return name }
            return nil
        }
    }

    /// Substitutes every placeholder; names `lookup` does not know render as an empty string.
    public func render(_ lookup: (String) -> String?) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .variable(let name): out += lookup(name) ?? ""
            }
        }
        return out
    }

    public var description: String { source }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
