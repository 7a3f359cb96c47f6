/// How a `MessageTemplate` makes substituted values safe for where the text goes.
///
/// swift-mustache escapes `{{name}}` through the template's content type, and passes `{{{name}}}` and
/// `{{& name}}` through untouched. connwatch's values (`TemplateValue`) apply `value` to their text in
/// both forms, and the content type (`TemplateContentType`) applies `markup` on top for `{{name}}`
/// only. So for chat text `{{name}}` is escaped for the platform and `{{{name}}}` is the raw value,
/// while a JSON body escapes every value whichever form is used: a value can never end the string it
/// stands in.
struct TemplateEscaping: Sendable {
    /// Applied to a value's text wherever it is substituted.
    var value: @Sendable (String) -> String
    /// Applied to what `{{name}}` substitutes (after `value`).
    var markup: @Sendable (String) -> String

    /// Chat text: `{{name}}` escaped with `escaping`, `{{{name}}}` raw.
    static func platform(_ escaping: TextEscaping) -> TemplateEscaping {
        TemplateEscaping(value: { $0 }, markup: { PlatformText.escape($0, escaping) })
    }

    /// `{{name}}` escaped with `escape`, `{{{name}}}` raw.
    static func markup(_ escape: @escaping @Sendable (String) -> String) -> TemplateEscaping {
        TemplateEscaping(value: { $0 }, markup: escape)
    }

    /// Inside a JSON string: every value JSON-escaped, with or without triple braces.
    static let json = TemplateEscaping(value: JSONWriter.escaped, markup: { $0 })

    /// The escaping of the render in progress on this thread or task (`MessageTemplate.render` sets it).
    @TaskLocal static var current = TemplateEscaping(value: { $0 }, markup: { $0 })
}
