/// The levels of MQTT topics and topic filters, split and compared as the MQTT specification says: at
/// every `/` and byte for byte. Brokers never normalise topics, so a `/` followed by a combining mark
/// still separates two levels, and `é` is not `e` followed by U+0301 (Swift's `Character` comparison
/// would say otherwise on both counts).
enum TopicLevels {
    /// `a/b/c` → `[a, b, c]`, empty levels kept.
    static func split(_ text: String) -> [Substring] {
        text.unicodeScalars.split(separator: "/", omittingEmptySubsequences: false).map(Substring.init)
    }

    /// Whether `level` is `text`, byte for byte.
    static func equal(_ level: Substring, _ text: some StringProtocol) -> Bool {
        level.utf8.elementsEqual(text.utf8)
    }

    /// Whether `level` contains the ASCII character `character` anywhere (also before a combining mark).
    static func contains(_ level: Substring, _ character: Unicode.Scalar) -> Bool {
        level.unicodeScalars.contains(character)
    }
}
