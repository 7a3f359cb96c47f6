/// Text from the feed (client ids, reasons, addresses, topics) made safe to show on a terminal or
/// in a log line: a client id must not be able to move the cursor, clear the screen, set the window
/// title, ring the bell or reorder what follows it.
///
/// Every control character — C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F) — and every bidi
/// embedding, override and isolate (U+202A–U+202E, U+2066–U+2069) is written as an escape; everything
/// else, backslashes included, is unchanged.
public enum TerminalText {
    /// Whether a terminal could act on `scalar` instead of showing it.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// `text` with every unsafe scalar escaped Swift-style: `\n`, `\r`, `\t`, else `\u{1b}`
    /// (lowercase hex). With `keepingLineBreaks`, `\n` stays a line break (for the journal, whose
    /// readers indent continuation lines).
    public static func escape(_ text: String, keepingLineBreaks: Bool = false) -> String {
        escaped(text) { scalar in
            switch scalar {
            case "\n": keepingLineBreaks ? "\n" : "\\n"
            case "\r": "\\r"
            case "\t": "\\t"
            default: "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
    }

    /// A JSON document with every unsafe scalar inside its strings written as a JSON escape
    /// (`\u001b`, `\u202e`): the same JSON, safe to print. Tabs, line breaks and carriage returns
    /// are left alone (a valid document has them only as whitespace between tokens).
    public static func escapeJSON(_ json: String) -> String {
        escaped(json) { scalar in
            if scalar == "\n" || scalar == "\r" || scalar == "\t" { return String(scalar) }
            let hex = String(scalar.value, radix: 16)
            return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
    }

    private static func escaped(_ text: String, _ spell: (Unicode.Scalar) -> String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                result += spell(scalar)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
