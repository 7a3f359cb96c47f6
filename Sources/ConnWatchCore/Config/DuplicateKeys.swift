internal import CYaml
import Yams

/// The keys a YAML text repeats within one mapping, in the order they appear and as they are written.
///
/// Yams refuses such a text with the repeated keys of one mapping only, gathered in a hash table and
/// sorted by a comparison that is not total for complex (`? `) keys, and it names those
/// `<uncovertable>`: the same file gave different messages from run to run. This reads libYAML's events
/// itself, builds each key as the `Node` Yams builds (so "the same key" means what it means to Yams:
/// same text and resolved tag, aliases resolved), and reports every mapping that repeats a key.
enum DuplicateKeys {
    /// One mapping with repeated keys.
    struct Finding: Equatable {
        /// Where the first of the repeated keys first appears (1-based; columns count Unicode scalars).
        var line: Int
        var column: Int
        /// The repeated keys in the order they first appear: a scalar key's text, or a complex key as
        /// written (whitespace runs made one space).
        var keys: [String]
    }

    /// The longest a complex key is shown (in Unicode scalars) before it is cut with `…`.
    static let shownLength = 60

    /// Every mapping of `text` that repeats a key, in file order; empty when there is none or the
    /// text stops being YAML before one is found.
    static func find(in text: String) -> [Finding] {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return [] }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return [] }
        defer { yaml_parser_delete(&parser) }
        var builder = Builder(scalars: Array(text.unicodeScalars))
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                let type = event.type
                builder.take(event)
                yaml_event_delete(&event)
                if type == YAML_STREAM_END_EVENT { break }
            }
        }
        return builder.found.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    /// A node being built, with where each child starts and ends in the text.
    private struct Collection {
        var isMapping: Bool
        var tag: String?
        var anchor: String?
        var start: yaml_mark_t
        var children: [(node: Node, start: yaml_mark_t, end: yaml_mark_t)] = []
    }

    private struct Builder {
        let scalars: [Unicode.Scalar]
        var anchors: [String: Node] = [:]
        var open: [Collection] = []
        var found: [Finding] = []

        mutating func take(_ event: yaml_event_t) {
            switch event.type {
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let value = String(
                    decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length),
                    as: UTF8.self
                )
                // As Yams: a quoted scalar without a tag is a string, a plain one is resolved.
                let tag = scalar.quoted_implicit == 1 ? Tag.Name.str.rawValue : Self.string(scalar.tag)
                let node = Node.scalar(.init(value, Self.tag(tag)))
                remember(node, as: Self.string(scalar.anchor))
                add(node, event.start_mark, event.end_mark)
            case YAML_ALIAS_EVENT:
                let node = Self.string(event.data.alias.anchor).flatMap { anchors[$0] } ?? Node.scalar(.init(""))
                add(node, event.start_mark, event.end_mark)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let (implicit, tag, anchor) =
                    isMapping
                    ? (event.data.mapping_start.implicit, event.data.mapping_start.tag, event.data.mapping_start.anchor)
                    : (
                        event.data.sequence_start.implicit, event.data.sequence_start.tag,
                        event.data.sequence_start.anchor
                    )
                open.append(
                    Collection(
                        isMapping: isMapping,
                        tag: implicit != 0 ? nil : Self.string(tag),
                        anchor: Self.string(anchor),
                        start: event.start_mark
                    )
                )
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let collection = open.popLast() else { return }
                let node: Node
                if collection.isMapping {
                    check(collection)
                    let pairs = stride(from: 0, to: collection.children.count - 1, by: 2).map {
                        (collection.children[$0].node, collection.children[$0 + 1].node)
                    }
                    node = .mapping(.init(pairs, Self.tag(collection.tag)))
                } else {
                    node = .sequence(.init(collection.children.map(\.node), Self.tag(collection.tag)))
                }
                remember(node, as: collection.anchor)
                add(node, collection.start, event.end_mark)
            default:
                break
            }
        }

        private mutating func add(_ node: Node, _ start: yaml_mark_t, _ end: yaml_mark_t) {
            guard !open.isEmpty else { return }
            open[open.count - 1].children.append((node, start, end))
        }

        private mutating func remember(_ node: Node, as anchor: String?) {
            if let anchor { anchors[anchor] = node }
        }

        /// Records the mapping if it repeats a key.
        private mutating func check(_ mapping: Collection) {
            var firstPlace: [Node: Int] = [:]
            var repeated: [Int] = []
            for index in stride(from: 0, to: mapping.children.count, by: 2) {
                let key = mapping.children[index].node
                if let first = firstPlace[key] {
                    if !repeated.contains(first) { repeated.append(first) }
                } else {
                    firstPlace[key] = index
                }
            }
            guard !repeated.isEmpty else { return }
            repeated.sort()
            let first = mapping.children[repeated[0]].start
            found.append(
                Finding(
                    line: Int(first.line) + 1,
                    column: Int(first.column) + 1,
                    keys: repeated.map { name(mapping.children[$0]) }
                )
            )
        }

        /// A scalar key's text; a complex key's text in the file, on one line and cut when long.
        private func name(_ key: (node: Node, start: yaml_mark_t, end: yaml_mark_t)) -> String {
            if case .scalar(let scalar) = key.node { return scalar.string }
            let start = min(Int(key.start.index), scalars.count)
            let end = min(max(Int(key.end.index), start), scalars.count)
            var text = ""
            var pendingSpace = false
            for scalar in scalars[start..<end] {
                if scalar.properties.isWhitespace {
                    pendingSpace = !text.isEmpty
                    continue
                }
                if text.unicodeScalars.count >= DuplicateKeys.shownLength { return text + "…" }
                if pendingSpace {
                    text.unicodeScalars.append(" ")
                    pendingSpace = false
                }
                text.unicodeScalars.append(scalar)
            }
            return text
        }

        private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }

        private static func tag(_ name: String?) -> Tag {
            Tag(name.map(Tag.Name.init(rawValue:)) ?? .implicit)
        }
    }
}
