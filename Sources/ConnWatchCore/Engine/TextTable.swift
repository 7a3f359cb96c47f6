/// Texts many clients name, such as reason texts and protocol names, each stored once and named
/// by a 32-bit id (4 bytes per client where a `String` took 16).
///
/// Each id counts the clients that name it; an id no client names any more is freed and reused,
/// so the table holds at most as many texts as the clients name now, whatever the feeds sent
/// before. Id 0 is "no text".
///
/// Texts are the same when their bytes are: `String`'s `==` takes canonically equivalent texts
/// (`é` composed and decomposed) for one, and a client must get back the bytes its feed sent.
struct TextTable {
    /// A text compared and hashed by its UTF-8 bytes.
    private struct Bytes: Hashable {
        var text: String
        static func == (lhs: Bytes, rhs: Bytes) -> Bool { UTF8Bytes.same(lhs.text, rhs.text) }
        func hash(into hasher: inout Hasher) {
            var text = text
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    private var texts: [String?] = [nil]
    private var counts: [UInt32] = [0]
    private var freeIDs: [UInt32] = []
    private var ids: [Bytes: UInt32] = [:]

    /// How many distinct texts are held.
    var count: Int { ids.count }

    /// The text `id` names (`nil` for 0).
    subscript(id: UInt32) -> String? { texts[Int(id)] }

    /// An id for `text`, held once more (0 for `nil`): `release` it when no longer named. `hint`
    /// is an id the text may have (the previous client's, say): checked first, without a lookup.
    mutating func hold(_ text: String?, hint: UInt32 = 0) -> UInt32 {
        guard let text else { return 0 }
        if hint != 0, hint < texts.count, let hinted = texts[Int(hint)], UTF8Bytes.same(hinted, text) {
            counts[Int(hint)] += 1
            return hint
        }
        if let id = ids[Bytes(text: text)] {
            counts[Int(id)] += 1
            return id
        }
        let id: UInt32
        if let reused = freeIDs.popLast() {
            id = reused
            texts[Int(id)] = text
            counts[Int(id)] = 1
        } else {
            id = UInt32(texts.count)
            texts.append(text)
            counts.append(1)
        }
        ids[Bytes(text: text)] = id
        return id
    }

    /// Names by `id` one client fewer; the text is dropped when none is left.
    mutating func release(_ id: UInt32) {
        guard id != 0 else { return }
        counts[Int(id)] -= 1
        guard counts[Int(id)] == 0, let text = texts[Int(id)] else { return }
        ids[Bytes(text: text)] = nil
        texts[Int(id)] = nil
        freeIDs.append(id)
    }

    /// The id of `text` for a client that named `id` until now: `id` itself if the text is the
    /// same, else `text` held and `id` released.
    mutating func replace(_ id: UInt32, with text: String?) -> UInt32 {
        if id != 0, let current = texts[Int(id)], let text, UTF8Bytes.same(current, text) { return id }
        let new = hold(text)
        release(id)
        return new
    }
}
