/// An ordered set of `name=value` labels, sorted by name, names unique.
public struct LabelSet: Sendable, Hashable, Sequence, CustomStringConvertible {
    public private(set) var pairs: [(name: String, value: String)]

    public init() { pairs = [] }

    public init(_ dictionary: [String: String]) {
        pairs = dictionary.map { (name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
    }

    public subscript(name: String) -> String? {
        get { pairs.first { $0.name == name }?.value }
        set {
            if let index = pairs.firstIndex(where: { $0.name == name }) {
                if let newValue { pairs[index].value = newValue } else { pairs.remove(at: index) }
            } else if let newValue {
                let insertAt = pairs.firstIndex { $0.name > name } ?? pairs.count
                pairs.insert((name: name, value: newValue), at: insertAt)
            }
        }
    }

    /// Adds every label of `other` that this set does not have yet.
    public func merging(defaults other: LabelSet) -> LabelSet {
        var result = self
        for pair in other.pairs where result[pair.name] == nil { result[pair.name] = pair.value }
        return result
    }

    public var isEmpty: Bool { pairs.isEmpty }
    public var count: Int { pairs.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { pairs.makeIterator() }

    /// A stable 64-bit FNV-1a hash of the labels as 16 lower-case hex digits: an alert's identity.
    public var fingerprint: String { Self.fnv1a(pairs, afterValue: 0xfe) }

    /// The fingerprint Alertmanager and Prometheus give this label set (`model.LabelSet.Fingerprint`):
    /// FNV-1a 64 over the labels sorted by name, each name and value followed by the byte 0xff, as
    /// 16 lower-case hex digits. Label names are compared by their UTF-8 bytes, as Go sorts them.
    public var alertmanagerFingerprint: String { Self.fnv1a(goOrdered, afterValue: 0xff) }

    /// The pairs sorted by the UTF-8 bytes of their names, as Go sorts strings.
    private var goOrdered: [(name: String, value: String)] {
        pairs.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// FNV-1a 64 over each name, 0xff, the value and `afterValue`, as 16 lower-case hex digits.
    private static func fnv1a(_ pairs: [(name: String, value: String)], afterValue: UInt8) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for pair in pairs {
            for byte in pair.name.utf8 { mix(byte) }
            mix(0xff)
            for byte in pair.value.utf8 { mix(byte) }
            mix(afterValue)
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Go's `model.LabelSet.String()`: `{a="1", b="2"}` with values quoted as Go's `%q` does, as
    /// Alertmanager writes group keys.
    public var alertmanagerDescription: String {
        "{" + goOrdered.map { "\($0.name)=\(GoQuote.quoted($0.value))" }.joined(separator: ", ") + "}"
    }

    /// Alertmanager-style rendering: `{a="1", b="2"}`.
    public var description: String {
        "{" + pairs.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ", ") + "}"
    }

    public static func == (lhs: LabelSet, rhs: LabelSet) -> Bool {
        lhs.pairs.count == rhs.pairs.count
            && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for pair in pairs {
            hasher.combine(pair.name)
            hasher.combine(pair.value)
        }
    }
}

/// Encoded as a JSON object of `name: value` (the order is restored on decoding).
extension LabelSet: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(try [String: String](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }).encode(to: encoder)
    }
}
