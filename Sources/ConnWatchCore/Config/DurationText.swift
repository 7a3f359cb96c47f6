/// Durations as operators write them: `500ms`, `30s`, `10m`, `4h`, `2d`, `1w`, and sums like `1h30m`.
public enum DurationText {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
    ]

    /// Milliseconds, or `nil` if `text` is not a duration. A bare `0` is allowed.
    public static func parse(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        var total: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 12, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            guard let unit = units.first(where: { $0.suffix == letters }) else { return nil }
            rest = rest.dropFirst(letters.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow else { return nil }
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow2 else { return nil }
            total = sum
        }
        return total
    }

    /// A short human form: `45s`, `12m`, `1h5m`, `2d3h`; below a second, `0s` / `250ms`.
    public static func format(milliseconds: Int64) -> String {
        if milliseconds < 1000 { return milliseconds <= 0 ? "0s" : "\(milliseconds)ms" }
        var seconds = milliseconds / 1000
        let days = seconds / 86_400
        seconds %= 86_400
        let hours = seconds / 3600
        seconds %= 3600
        let minutes = seconds / 60
        seconds %= 60
        var parts: [String] = []
        if days > 0 { parts.append("\(days)d") }
        if hours > 0 { parts.append("\(hours)h") }
        if minutes > 0 && days == 0 { parts.append("\(minutes)m") }
        if seconds > 0 && days == 0 && hours == 0 { parts.append("\(seconds)s") }
        return parts.prefix(2).joined()
    }
}
