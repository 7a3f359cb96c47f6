/// Tabs where YAML allows only spaces: in a line's indentation (before its content or its `- `
/// markers). YAML rejects the first one and says nothing about the rest of the file, so `check`
/// reports each tab and then reads the file with them replaced, to find every other problem too.
struct IndentationTabs {
    /// Where each tab is (1-based line and column).
    private(set) var positions: [(line: Int, column: Int)] = []
    /// The text with every indentation that held a tab replaced by spaces: aligned with the
    /// content of the line above, or two deeper when that line opens a block (ends with `:`).
    private(set) var repaired: String
    /// For each repaired line (1-based), how long its indentation and markers were and are.
    private var prefixes: [Int: (original: Int, repaired: Int)] = [:]

    init(_ text: String) {
        var lines: [Substring] = []
        var previousContent = 0
        var previousOpens = false
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let indentation = line.prefix { $0 == " " || $0 == "\t" }
            let rest = line.dropFirst(indentation.count)
            var markers = rest.prefix(0)
            var content = rest
            while content.hasPrefix("-"), content.dropFirst().first == " " || content.dropFirst().first == "\t" {
                let marker = content.prefix(1) + content.dropFirst().prefix { $0 == " " || $0 == "\t" }
                markers = rest.prefix(markers.count + marker.count)
                content = content.dropFirst(marker.count)
            }
            let prefix = line.prefix(indentation.count + markers.count)
            var column = 0
            for character in prefix {
                column += 1
                if character == "\t" { positions.append((number + 1, column)) }
            }
            let trimmed = content.drop { $0 == " " }
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                lines.append(line)
                continue
            }
            if prefix.contains("\t") {
                let depth = previousContent + (previousOpens ? 2 : 0)
                let cleanMarkers = markers.replacing("\t", with: " ")
                let spaces = String(repeating: " ", count: max(0, depth - cleanMarkers.count))
                let fixed = Substring(spaces + cleanMarkers + content)
                lines.append(fixed)
                previousContent = spaces.count + cleanMarkers.count
                prefixes[number + 1] = (prefix.count, previousContent)
            } else {
                lines.append(line)
                previousContent = prefix.count
            }
            previousOpens = trimmed.hasSuffix(":")
        }
        repaired = lines.joined(separator: "\n")
    }

    /// The column in the original text of a position found in `repaired`: past the replaced
    /// indentation it moves by the difference, inside it it stays within the original indentation.
    func originalColumn(line: Int, column: Int) -> Int {
        guard let prefix = prefixes[line] else { return column }
        if column > prefix.repaired { return column - prefix.repaired + prefix.original }
        return min(column, max(prefix.original, 1))
    }

    /// One problem per tab.
    func problems(file: String) -> [ConfigProblem] {
        positions.map { position in
            ConfigProblem(
                file: file,
                line: position.line,
                column: position.column,
                message: "a tab in the indentation: YAML indents with spaces only"
            )
        }
    }
}
