/// Shares the storage of long texts (reasons, IPv6 addresses) among clients and log entries:
/// the decoder makes a new `String` per event (and the store reader one per row), the engine
/// keeps one copy per distinct text. Texts of up to 15 bytes are stored inline by `String` and
/// pass through. Bounded: once `limit` texts are known, new ones are kept as they come (correct,
/// just not shared); so is a text whose hash another text took first.
public struct TextCache: Sendable {
    /// By the hash of their UTF-8 bytes, so that bytes not yet made into a string can be looked up.
    private var known: [Int: String] = [:]
    let limit: Int

    public init(limit: Int = 4096) {
        self.limit = limit
    }

    /// `text`, or an equal string whose storage is already kept: `current` if equal, else the
    /// shared copy.
    @inline(__always)
    mutating func shared(_ text: String?, current: String?) -> String? {
        guard var text, text.utf8.count > 15 else { return text }
        // By bytes: `==` takes canonically equivalent texts for one, and the feed's bytes are kept.
        if let current, UTF8Bytes.same(current, text) { return current }
        let (key, existing) = text.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
        if let existing { return existing }
        if known.count < limit { known[key] = text }
        return text
    }

    /// The text whose UTF-8 bytes are `bytes`, made into a `String` only if it is not known.
    public mutating func text(utf8 bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.count > 15 else { return String(decoding: bytes, as: UTF8.self) }
        let (key, existing) = lookup(bytes)
        if let existing { return existing }
        let text = String(decoding: bytes, as: UTF8.self)
        if known.count < limit { known[key] = text }
        return text
    }

    /// The key of `bytes`, and the known text with those bytes.
    private func lookup(_ bytes: UnsafeRawBufferPointer) -> (key: Int, text: String?) {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        let key = hasher.finalize()
        guard var existing = known[key] else { return (key, nil) }
        let same = existing.withUTF8 { stored in
            stored.count == bytes.count && UnsafeRawBufferPointer(stored).elementsEqual(bytes)
        }
        return (key, same ? existing : nil)
    }

    /// How many distinct texts are shared.
    var count: Int { known.count }
}
