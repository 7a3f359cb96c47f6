/// How user-controlled text (client ids, reasons, labels) is made inert for one platform's markup.
public enum TextEscaping: Sendable, Equatable {
    /// No markup: the value is only JSON-escaped by the writer.
    case plain
    /// Slack mrkdwn: `&`, `<` and `>` become entities, so `<!channel>` cannot ping.
    case slack
    /// Discord markdown: markup characters get a backslash, `@` a zero-width joiner after it.
    case discord
    /// Mattermost / Rocket.Chat markdown: markup escaped, `@all`/`@channel`/`@here` broken up.
    case markdownMentions
    /// HTML-ish card text (Google Chat): `&`, `<`, `>` become entities.
    case html
    /// Plain text where only `@` mentions are broken up (notification fallbacks).
    case mentionsOnly
    /// CommonMark (Teams Adaptive Card text): every markup character gets a backslash, so
    /// `[click](http://evil)` stays text even where a renderer ignores backslashes (`](` is broken).
    case markdown
}

/// Escaping and truncation of message text for chat platforms.
public enum PlatformText {
    /// `value` escaped so the platform shows it literally. Markup is found code point by code point
    /// (as the platforms' parsers do), so a combining mark after `<` or `[` cannot hide it.
    public static func escape(_ value: String, _ escaping: TextEscaping) -> String {
        if escaping == .plain || !value.utf8.contains(where: { markup[Int($0)] }) { return value }
        var out = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch (escaping, scalar) {
            case (.mentionsOnly, "@"):
                out.append(contentsOf: "@\u{200B}".unicodeScalars)
            case (.slack, "&"), (.html, "&"): out.append(contentsOf: "&amp;".unicodeScalars)
            case (.slack, "<"), (.html, "<"): out.append(contentsOf: "&lt;".unicodeScalars)
            case (.slack, ">"), (.html, ">"): out.append(contentsOf: "&gt;".unicodeScalars)
            case (.markdown, _):
                if "\\*_~`|><#[]()-+!=".unicodeScalars.contains(scalar) { out.append("\\") }
                out.append(scalar)
            case (.discord, "@"), (.markdownMentions, "@"):
                // A zero-width space after '@' stops @everyone/@here/@channel/@all and user mentions.
                out.append(contentsOf: "@\u{200B}".unicodeScalars)
            case (.discord, "<"):
                // `<@id>`, `<#id>`, `<@&id>` are mention syntax on Discord.
                out.append(contentsOf: "<\u{200B}".unicodeScalars)
            case (.discord, _), (.markdownMentions, _):
                if "\\*_~`|>#[]()-:".unicodeScalars.contains(scalar) { out.append("\\") }
                out.append(scalar)
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// ASCII bytes that some platform treats as markup (no other byte needs escaping anywhere).
    private static let markup: [Bool] = (0..<256).map { byte in
        byte < 128 && "&<>@\\*_~`|#[]()-+!=:".utf8.contains(UInt8(byte))
    }

    /// `text` cut to at most `limit` units of `unit`, ending in `… N more` (N omitted characters)
    /// when it was cut. The cut falls between grapheme clusters, so it never splits a code point, a
    /// surrogate pair or an emoji sequence; only a single cluster longer than the rest of the budget (a
    /// letter with hundreds of combining marks) is cut between its code points.
    public static func truncate(_ text: String, to limit: Int, in unit: TextUnit) -> String {
        guard unit.length(text) > limit else { return text }
        let total = text.count
        let budget = limit - unit.length(marker(total))
        guard budget > 0 else { return unit.length("…") <= limit ? "…" : "" }
        var kept = ""
        var keptLength = 0
        var keptCharacters = 0
        for character in text {
            let size = unit.length(character)
            if keptLength + size > budget {
                if size > 16 {
                    // One oversized cluster: keep the code points that fit.
                    for scalar in character.unicodeScalars {
                        let width = unit.length(scalar)
                        if keptLength + width > budget { break }
                        kept.unicodeScalars.append(scalar)
                        keptLength += width
                    }
                }
                break
            }
            kept.append(character)
            keptLength += size
            keptCharacters += 1
        }
        return kept + marker(total - keptCharacters)
    }

    /// `text` cut to at most `limit` Unicode code points (see `truncate(_:to:in:)`).
    public static func truncate(_ text: String, maxCharacters limit: Int) -> String {
        truncate(text, to: limit, in: .codePoints)
    }

    /// `text` cut to at most `limit` UTF-8 bytes (see `truncate(_:to:in:)`).
    public static func truncate(_ text: String, maxBytes limit: Int) -> String {
        truncate(text, to: limit, in: .bytes)
    }

    private static func marker(_ omitted: Int) -> String { "… \(omitted) more" }

    /// The first line of `text` without CR/LF (for titles and HTTP headers).
    public static func singleLine(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) { return text }
        return String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }
}
