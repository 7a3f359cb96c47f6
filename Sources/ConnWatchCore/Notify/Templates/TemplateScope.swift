import Mustache

/// A map in a template's context whose names are looked up by a function (an alert's variables, a
/// webhook body's). A `String` the function returns is substituted as a `TemplateValue`; `nil`
/// lets swift-mustache look the name up in the enclosing context. The scope itself renders as
/// nothing, so `{{.}}` or `{{{.}}}` cannot dump it.
struct TemplateScope: MustacheParent, MustacheCustomRenderable {
    let lookup: (String) -> Any?

    init(_ lookup: @escaping (String) -> Any?) { self.lookup = lookup }

    func child(named name: String) -> Any? { TemplateValue.wrapping(lookup(name)) }

    var renderText: String { "" }
    var isNull: Bool { false }
}

extension TemplateValue {
    /// `value`, with a `String` made a `TemplateValue` so that it is escaped when substituted.
    static func wrapping(_ value: Any?) -> Any? {
        if let text = value as? String { return TemplateValue(text) }
        return value
    }
}
