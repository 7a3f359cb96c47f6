import Mustache

/// A list in a template's context: `{{#name}}…{{/name}}` repeats for each item (with the item's
/// names in scope and swift-mustache's `first()`, `last()` and `index()`), `{{^name}}…{{/name}}`
/// shows when it is empty, and `{{count(name)}}` counts it. A label list is also a map:
/// `{{labels.client_id}}`. It renders as nothing itself.
struct TemplateList: MustacheSequence, MustacheParent, MustacheCustomRenderable, MustacheTransformable {
    let items: [TemplateScope]
    /// Looks up `{{list.name}}`.
    let lookup: (String) -> String?

    init(_ items: [TemplateScope], lookup: @escaping (String) -> String? = { _ in nil }) {
        self.items = items
        self.lookup = lookup
    }

    /// Labels or annotations: each item has `name` and `value`; `{{list.name}}` is the value of `name`.
    init(labels: LabelSet) {
        let items = labels.pairs.map { pair in
            TemplateScope { $0 == "name" ? pair.name : $0 == "value" ? pair.value : nil }
        }
        self.init(items) { labels[$0] }
    }

    func makeIterator() -> IndexingIterator<[TemplateScope]> { items.makeIterator() }

    func child(named name: String) -> Any? { TemplateValue.wrapping(lookup(name)) }

    func transform(_ name: String) -> Any? {
        switch name {
        case "count": return items.count
        case "empty": return items.isEmpty
        default: return nil
        }
    }

    var renderText: String { "" }
    var isNull: Bool { items.isEmpty }
}
