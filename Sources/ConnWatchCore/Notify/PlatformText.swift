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
}

/// Escaping and truncation of message text for chat platforms.
public enum PlatformText {
    /// `value` escaped so the platform shows it literally.
    public static func escape(_ value: String, _ escaping: TextEscaping) -> String {
        switch escaping {
        case .plain:
            return value
        case .mentionsOnly:
            return value.replacing("@", with: "@\u{200B}")
        case .slack, .html:
            var out = ""
            out.reserveCapacity(value.utf8.count)
            for character in value {
                switch character {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                default: out.append(character)
                }
            }
            return out
        case .discord, .markdownMentions:
            var out = ""
            out.reserveCapacity(value.utf8.count)
            for character in value {
                switch character {
                case "\\", "*", "_", "~", "`", "|", ">", "#", "[", "]", "(", ")", "-", ":":
                    out.append("\\")
                    out.append(character)
                case "@":
                    // A zero-width space after '@' stops @everyone/@here/@channel/@all and user mentions.
                    out += "@\u{200B}"
                case "<" where escaping == .discord:
                    // `<@id>`, `<#id>`, `<@&id>` are mention syntax on Discord.
                    out += "<\u{200B}"
                default: out.append(character)
                }
            }
            return out
        }
    }

    /// `text` cut to at most `limit` characters; a cut text ends in `… N more` (N omitted characters).
    public static func truncate(_ text: String, maxCharacters limit: Int) -> String {
        let count = text.count
        guard count > limit else { return text }
        var keep = max(limit - marker(count).count, 0)
        while keep > 0, keep + marker(count - keep).count > limit { keep -= 1 }
        return String(text.prefix(keep)) + marker(count - keep)
    }

    /// `text` cut to at most `limit` UTF-8 bytes at a character boundary, ending in `… N more`.
    public static func truncate(_ text: String, maxBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        let total = text.count
        var kept = ""
        var keptBytes = 0
        var keptCount = 0
        let reserve = marker(total).utf8.count
        for character in text {
            let size = character.utf8.count
            if keptBytes + size + reserve > limit { break }
            kept.append(character)
            keptBytes += size
            keptCount += 1
        }
        return kept + marker(total - keptCount)
    }

    private static func marker(_ omitted: Int) -> String { "… \(omitted) more" }

    /// The first line of `text` without CR/LF (for titles and HTTP headers).
    public static func singleLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }
}
