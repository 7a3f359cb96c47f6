import Mustache

/// A receiver's `title`, `text` or `body` template: Mustache, rendered by swift-mustache.
///
/// - `{{name}}` substitutes a value escaped for where it goes (the platform's markup, or a JSON
///   string in a webhook body); `{{{name}}}` and `{{& name}}` substitute it raw in chat text, and
///   still JSON-escaped in a webhook body, so a value can never break the JSON.
/// - `{{#name}}…{{/name}}` shows its content when the value is non-empty (and repeats it for each
///   item of a list such as a body's `alerts`); `{{^name}}…{{/name}}` when it is empty or missing.
/// - `{{> name}}` includes one of the receiver's `partials`; `{{! … }}` is a comment; swift-mustache's
///   transforms (`{{uppercased(name)}}`, `{{^last()}},{{/last()}}`) and `{{=<% %>=}}` work as documented there.
///
/// Values are looked up by name in the context of the render (`AlertTexts.variable`,
/// `MessageRenderer.webhookBodyScope`); a dotted name (`{{labels.client_id}}`) looks inside a map.
public struct MessageTemplate: Sendable, Equatable, CustomStringConvertible {
    /// The template as written.
    public let source: String
    /// The partials `{{> name}}` can include, by name, as written.
    public let partials: [String: String]
    let template: MustacheTemplate
    let library: MustacheLibrary

    /// Every template is parsed behind this line, which selects `TemplateContentType` for `{{name}}`; as a
    /// standalone tag the line renders as nothing.
    static let contentTypeLine = "{{% CONTENT_TYPE: \(TemplateContentType.name)}}\n"

    /// Parses `source`, and each of `partials`; a partial may not include partials or change the
    /// delimiters, and `source` may include only the partials given.
    public init(_ source: String, partials: [String: String] = [:]) throws(ParseError) {
        var library = MustacheLibrary()
        for (name, text) in partials {
            do {
                library.register(try Self.parsePartial(text), named: name)
            } catch {
                throw ParseError(message: "partial '\(name)': \(error.message)", offset: error.offset, in: text)
            }
        }
        self.template = try Self.parse(source)
        for reference in Self.partialReferences(source) where partials[reference.name] == nil {
            var message = "unknown partial '{{> \(reference.name)}}'"
            if let guess = Suggestion.closest(to: reference.name, among: Array(partials.keys)) {
                message += "; did you mean '{{> \(guess)}}'?"
            }
            throw ParseError(message: message, offset: reference.offset, in: source)
        }
        self.source = source
        self.partials = partials
        self.library = library
    }

    /// For templates written in code that are known to parse.
    init(validated source: String) {
        do {
            self = try MessageTemplate(source)
        } catch {
            preconditionFailure("built-in template '\(source)' does not parse: \(error.message)")
        }
    }

    /// Renders with `lookup` for values and `escape` applied to what `{{name}}` substitutes
    /// (`{{{name}}}` substitutes the value as it is).
    public func render(_ lookup: (String) -> String?, escape: @escaping @Sendable (String) -> String) -> String {
        withoutActuallyEscaping(lookup) { lookup in
            render(TemplateScope { lookup($0) }, .markup(escape))
        }
    }

    /// Renders `context` (a `TemplateScope` or another swift-mustache context) with `escaping`.
    func render(_ context: Any, _ escaping: TemplateEscaping) -> String {
        TemplateEscaping.$current.withValue(escaping) { template.render(context, library: library) }
    }

    public var description: String { source }

    public static func == (lhs: MessageTemplate, rhs: MessageTemplate) -> Bool {
        lhs.source == rhs.source && lhs.partials == rhs.partials
    }

    /// `source` parsed by swift-mustache behind `contentTypeLine`.
    static func parse(_ source: String) throws(ParseError) -> MustacheTemplate {
        _ = TemplateContentType.registered
        do {
            return try MustacheTemplate(string: contentTypeLine + source)
        } catch let error as MustacheTemplate.ParserError {
            throw ParseError(error, in: source)
        } catch {
            throw ParseError(message: "cannot parse template: \(error)", offset: 0, in: source)
        }
    }

    /// A partial: it may not include partials (so inclusion cannot recurse) or change delimiters
    /// (which would hide an inclusion).
    static func parsePartial(_ source: String) throws(ParseError) -> MustacheTemplate {
        for tag in ["{{>", "{{<", "{{="] {
            if let found = source.range(of: tag) {
                throw ParseError(
                    message: "a partial cannot use '\(tag)…}}' (partials do not include partials)",
                    offset: source.distance(from: source.startIndex, to: found.lowerBound),
                    in: source
                )
            }
        }
        return try parse(source)
    }

    /// The names of the partials `source` includes with `{{> name}}` (not those named by a value,
    /// `{{>*name}}`, nor those behind changed delimiters), with the offset of each tag.
    static func partialReferences(_ source: String) -> [(name: String, offset: Int)] {
        var references: [(name: String, offset: Int)] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{>") {
            rest = rest[open.upperBound...].drop { $0 == " " || $0 == "\t" }
            let name = rest.prefix { !$0.isWhitespace && $0 != "}" }
            if !name.isEmpty && name.first != "*" {
                references.append((String(name), source.distance(from: source.startIndex, to: open.lowerBound)))
            }
        }
        return references
    }
}
