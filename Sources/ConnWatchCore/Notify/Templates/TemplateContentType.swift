import Mustache

/// The swift-mustache content type every `MessageTemplate` is parsed with: it escapes `{{name}}`
/// with the escaping of the render in progress (`TemplateEscaping.current`), so one parsed template
/// serves every platform.
struct TemplateContentType: MustacheContentType {
    /// The name templates select it by (`{{% CONTENT_TYPE: connwatch}}`).
    static let name = "connwatch"

    /// Registers the content type with swift-mustache once; read before parsing a template.
    static let registered: Bool = {
        MustacheContentTypes.register(TemplateContentType(), named: name)
        return true
    }()

    func escapeText(_ text: String) -> String {
        // An empty value stays empty, so a missing value and an empty one render alike.
        text.isEmpty ? "" : TemplateEscaping.current.markup(text)
    }
}
