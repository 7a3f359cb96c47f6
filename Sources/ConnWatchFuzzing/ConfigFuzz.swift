import ConnWatchCore

/// Rules files and rule test files: any text gives a configuration or problems located inside the text.
enum ConfigFuzz {
    static let file = "rules.yaml"

    static func config(_ bytes: [UInt8]) -> [String] {
        // The daemon rejects files that are not UTF-8 before parsing (ConfigFile.load).
        guard let text = FuzzInput.text(bytes) else { return [] }
        let first = load(text)
        var problems: [String] = []
        if first != load(text) { problems.append("loading is not deterministic") }
        if case .failure(let error) = first {
            problems += located(error, in: text)
            // Every key is named by its text (Yams's own message calls complex keys so).
            if error.problems.contains(where: { $0.message.contains("<uncovertable>") }) {
                problems.append("a problem names a key '<uncovertable>'")
            }
        }
        return problems
    }

    static func ruleTests(_ bytes: [UInt8]) -> [String] {
        guard let text = FuzzInput.text(bytes) else { return [] }
        do throws(ConfigError) {
            _ = try RuleTestParser.parse(text: text, file: file)
            return []
        } catch {
            return located(error, in: text)
        }
    }

    private static func load(_ text: String) -> Result<ConnWatchConfig, ConfigError> {
        do throws(ConfigError) {
            return .success(try ConfigLoader.load(text: text, file: file) { _ in true })
        } catch {
            return .failure(error)
        }
    }

    /// A failure lists at least one problem, each in this file at a line and column inside the text (or 0:0
    /// for the whole file). Lines and columns count as libYAML counts them (see ``lineWidths(_:)``).
    static func located(_ error: ConfigError, in text: String) -> [String] {
        guard !error.problems.isEmpty else { return ["a ConfigError without problems"] }
        var widths: [Int]?
        var problems: [String] = []
        for problem in error.problems {
            if problem.file != file { problems.append("problem names file '\(problem.file)'") }
            if problem.message.isEmpty { problems.append("problem without a message") }
            if problem.line == 0 && problem.column == 0 { continue }
            let lines = widths ?? lineWidths(text)
            widths = lines
            guard problem.line >= 1, problem.line <= lines.count + 1 else {
                problems.append("\(problem): line outside the \(lines.count) lines of the text")
                continue
            }
            let width = problem.line <= lines.count ? lines[problem.line - 1] : 0
            if problem.column < 1 || problem.column > width + 1 {
                problems.append("\(problem): column outside line \(problem.line) (\(width) characters)")
            }
        }
        return problems
    }

    /// The width of each line of `text` in Unicode scalars, the lines split where libYAML breaks them:
    /// at `\r\n`, `\n`, `\r`, NEL, LS and PS. (Splitting the text into `Character`s took about a
    /// tenth of this target's time, and missed a break followed by a combining mark.)
    static func lineWidths(_ text: String) -> [Int] {
        var widths: [Int] = []
        var width = 0
        var afterCarriageReturn = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where afterCarriageReturn:
                afterCarriageReturn = false
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                widths.append(width)
                width = 0
                afterCarriageReturn = scalar == "\r"
            default:
                width += 1
                afterCarriageReturn = false
            }
        }
        widths.append(width)
        return widths
    }
}

/// The two template languages: parsing any text either succeeds or reports an offset inside it, and a
/// parsed template renders without trapping.
enum TemplateFuzz {
    static func text(_ bytes: [UInt8]) -> [String] {
        guard let source = FuzzInput.text(bytes) else { return [] }
        var problems: [String] = []
        do throws(TextTemplate.ParseError) {
            let template = try TextTemplate(source)
            if template.source != source { problems.append("source not kept") }
            if template.variables.contains(where: \.isEmpty) { problems.append("an empty variable name") }
            // Rendering every placeholder as itself gives a template with the same placeholders.
            let rendered = template.render { "{{\($0)}}" }
            if let again = try? TextTemplate(rendered), again.variables == template.variables {
                if again.render({ _ in nil }) != template.render({ _ in nil }) {
                    problems.append("the text around the placeholders changed in a render round trip")
                }
            } else {
                problems.append("rendering placeholders as themselves gives '\(rendered)', another template")
            }
        } catch {
            if error.offset < 0 || error.offset > source.count {
                problems.append("parse error offset \(error.offset) outside the \(source.count) characters")
            }
        }
        return problems
    }

    static func message(_ bytes: [UInt8]) -> [String] {
        guard let source = FuzzInput.text(bytes) else { return [] }
        var problems: [String] = []
        do throws(MessageTemplate.ParseError) {
            let template = try MessageTemplate(source)
            if template.source != source { problems.append("source not kept") }
            let escape: @Sendable (String) -> String = { "<\($0)>" }
            let full = template.render({ "v-\($0)" }, escape: escape)
            if full != template.render({ "v-\($0)" }, escape: escape) {
                problems.append("rendering is not deterministic")
            }
            // A missing value and an empty one render the same (sections hidden, inverted ones shown).
            if template.render({ _ in nil }, escape: escape) != template.render({ _ in "" }, escape: escape) {
                problems.append("a missing value and an empty one render differently")
            }
        } catch {
            if error.offset < 0 || error.offset > source.count {
                problems.append("parse error offset \(error.offset) outside the \(source.count) characters")
            }
        }
        return problems
    }
}
