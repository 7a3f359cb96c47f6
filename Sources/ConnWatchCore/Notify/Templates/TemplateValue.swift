import Mustache

/// A string in a template's context. An empty value counts as missing, as in connwatch's templates
/// before swift-mustache: `{{#name}}` hides it and `{{^name}}` shows it. Its text is escaped by
/// `TemplateEscaping.current`. It has no children (so names inside `{{#name}}…{{/name}}` are looked
/// up in the enclosing context) and takes swift-mustache's string transforms, e.g. `{{uppercased(name)}}`.
struct TemplateValue: MustacheCustomRenderable, MustacheParent, MustacheTransformable {
    let text: String

    init(_ text: String) { self.text = text }

    var renderText: String { TemplateEscaping.current.value(text) }
    var isNull: Bool { text.isEmpty }

    func child(named: String) -> Any? { nil }

    func transform(_ name: String) -> Any? {
        switch text.transform(name) {
        case let string as String: return TemplateValue(string)
        case let substring as Substring: return TemplateValue(String(substring))
        case let other: return other
        }
    }
}
