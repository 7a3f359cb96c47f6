/// The unit a platform counts a text limit in. Swift's `String.count` (grapheme clusters) is none of
/// them: one emoji ZWJ sequence is one character but up to ten code points and forty bytes.
public enum TextUnit: String, Sendable, Equatable {
    /// Unicode code points (scalars): Slack, Discord, PagerDuty, Mattermost, Rocket.Chat.
    case codePoints = "code points"
    /// UTF-16 code units (JavaScript's `String.length`).
    case utf16 = "UTF-16 units"
    /// UTF-8 bytes: Teams, Google Chat, ntfy.
    case bytes = "bytes"

    /// The length of `text` in this unit.
    public func length(_ text: String) -> Int {
        switch self {
        case .codePoints: return text.unicodeScalars.count
        case .utf16: return text.utf16.count
        case .bytes: return text.utf8.count
        }
    }

    /// The length of one character (grapheme cluster) in this unit.
    public func length(_ character: Character) -> Int {
        switch self {
        case .codePoints: return character.unicodeScalars.count
        case .utf16: return character.utf16.count
        case .bytes: return character.utf8.count
        }
    }

    /// The length of one code point in this unit.
    public func length(_ scalar: Unicode.Scalar) -> Int {
        switch self {
        case .codePoints: return 1
        case .utf16: return UTF16.width(scalar)
        case .bytes: return UTF8.width(scalar)
        }
    }
}
