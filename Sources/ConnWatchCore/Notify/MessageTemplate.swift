/// A Mustache template for receiver titles, texts and bodies: `{{name}}` (the value escaped for
/// the platform), `{{{name}}}` and `{{& name}}` (unescaped), sections `{{#name}}…{{/name}}` (shown
/// when the value is non-empty), inverted sections `{{^name}}…{{/name}}` (shown when it is empty or
/// missing), and comments `{{! … }}`. Values are strings; there are no lists or partials.
public struct MessageTemplate: Sendable, Equatable, CustomStringConvertible {
    indirect enum Node: Sendable, Equatable {
        case text(String)
        case value(String, escaped: Bool)
        case section(String, inverted: Bool, [Node])
    }

    /// Why a template could not be parsed.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Offset in characters where the problem starts.
        public var offset: Int
        public var message: String
        public var description: String { message }
    }

    public let source: String
    let nodes: [Node]

    /// Parses `source`.
    public init(_ source: String) throws(ParseError) {
        self.source = source
        var stack: [(name: String, inverted: Bool, nodes: [Node], offset: Int)] = [("", false, [], 0)]
        var rest = Substring(source)
        func offset(_ index: Substring.Index) -> Int { source.distance(from: source.startIndex, to: index) }
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex {
                stack[stack.count - 1].nodes.append(.text(String(rest[..<open.lowerBound])))
            }
            let triple = rest[open.upperBound...].first == "{"
            let nameStart = triple ? rest.index(after: open.upperBound) : open.upperBound
            let closer = triple ? "}}}" : "}}"
            guard let close = rest[nameStart...].range(of: closer) else {
                throw ParseError(offset: offset(open.lowerBound), message: "unclosed '{{' in template")
            }
            var tag = Self.trimmed(rest[nameStart..<close.lowerBound])
            rest = rest[close.upperBound...]
            var kind: Character = triple ? "&" : " "
            if !triple, let first = tag.first, "#^/&!".contains(first) {
                kind = first
                tag = Self.trimmed(tag.dropFirst())
            }
            if kind == "!" { continue }
            guard !tag.isEmpty, tag.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" })
            else {
                throw ParseError(offset: offset(open.lowerBound), message: "bad tag '{{\(tag)}}' in template")
            }
            let name = String(tag)
            switch kind {
            case "#", "^":
                stack.append((name, kind == "^", [], offset(open.lowerBound)))
            case "/":
                guard stack.count > 1, let top = stack.last, top.name == name else {
                    throw ParseError(offset: offset(open.lowerBound), message: "'{{/\(name)}}' closes no open section")
                }
                stack.removeLast()
                stack[stack.count - 1].nodes.append(.section(name, inverted: top.inverted, top.nodes))
            default:
                stack[stack.count - 1].nodes.append(.value(name, escaped: kind != "&"))
            }
        }
        if !rest.isEmpty { stack[stack.count - 1].nodes.append(.text(String(rest))) }
        if stack.count > 1, let open = stack.last {
            throw ParseError(offset: open.offset, message: "section '{{#\(open.name)}}' is not closed")
        }
        nodes = stack[0].nodes
    }

    /// For templates written in code that are known to parse.
    init(validated source: String) {
        if let parsed = try? MessageTemplate(source) {
            self = parsed
        } else {
            self.source = source
            self.nodes = [.text(source)]
        }
    }

    /// Renders with `lookup` for values and `escape` applied to `{{name}}` values.
    public func render(_ lookup: (String) -> String?, escape: (String) -> String) -> String {
        var out = ""
        Self.render(nodes, lookup, escape, into: &out)
        return out
    }

    private static func render(
        _ nodes: [Node],
        _ lookup: (String) -> String?,
        _ escape: (String) -> String,
        into out: inout String
    ) {
        for node in nodes {
            switch node {
            case .text(let text): out += text
            case .value(let name, let escaped):
                let value = lookup(name) ?? ""
                out += escaped ? escape(value) : value
            case .section(let name, let inverted, let children):
                let present = !(lookup(name) ?? "").isEmpty
                if present != inverted { render(children, lookup, escape, into: &out) }
            }
        }
    }

    public var description: String { source }

    private static func trimmed(_ text: Substring) -> Substring {
        var result = text
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
