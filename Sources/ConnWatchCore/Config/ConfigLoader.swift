import Yams

/// Reads and validates a configuration file's text. It does no I/O: the caller reads the file.
public enum ConfigLoader {
    /// Parses `text` (the contents of `file`) and returns the validated configuration, or every
    /// problem found. `isReadable` tells whether a file the configuration names (a secret, a
    /// certificate) can be read; the default assumes it can. `credentialProblem` tells why a
    /// systemd credential of that name would be missing (`nil`: it is there, or is not checked).
    /// `inspect` checks what the TLS files hold (see ``ConfiguredFile``); the default accepts them.
    public static func load(
        text: String,
        file: String,
        isReadable: @escaping (String) -> Bool = { _ in true },
        credentialProblem: @escaping (String) -> String? = { _ in nil },
        inspect: @escaping ConfiguredFileInspector = { _ in nil }
    ) throws(ConfigError) -> ConnWatchConfig {
        let reader = NodeReader(file: file)
        let root: Node?
        // Positions found in a text whose tabs were replaced, from this problem on, are moved back
        // to the original text's columns.
        var repairedFrom: (tabs: IndentationTabs, problem: Int)?
        do {
            // UTF-8 named here: Yams's default reads the whole environment on every parse (for its
            // YAMS_DEFAULT_ENCODING override).
            root = try Yams.compose(yaml: text, .default, .default, .utf8)
        } catch {
            // Tabs in indentation: each is reported, and the file is read with them replaced.
            let tabs = IndentationTabs(text)
            guard !tabs.positions.isEmpty else { throw ConfigError(problems: reader.yamlProblems(error)) }
            for problem in tabs.problems(file: file) { reader.add(problem) }
            repairedFrom = (tabs, reader.problems.count)
            do {
                root = try Yams.compose(yaml: tabs.repaired, .default, .default, .utf8)
            } catch {
                for problem in reader.yamlProblems(error)
                where !tabs.positions.contains(where: { $0.line == problem.line }) {
                    reader.add(problem)
                }
                reader.remap(from: tabs.positions.count, tabs)
                throw ConfigError(problems: reader.inFileOrder)
            }
        }
        guard let root else {
            throw ConfigError(problems: [ConfigProblem(file: file, line: 1, column: 1, message: "the file is empty")])
        }
        let builder = ConfigBuilder(
            reader: reader,
            isReadable: isReadable,
            credentialProblem: credentialProblem,
            inspect: inspect
        )
        var config = builder.build(root)
        if let repairedFrom { reader.remap(from: repairedFrom.problem, repairedFrom.tabs) }
        if !reader.problems.isEmpty { throw ConfigError(problems: reader.inFileOrder) }
        config.warnings = reader.warnings
        return config
    }
}

/// Walks the YAML tree and records problems with their positions.
final class NodeReader {
    let file: String
    private(set) var problems: [ConfigProblem] = []
    /// What makes the file questionable but not unusable (a rule that can never match).
    private(set) var warnings: [ConfigProblem] = []

    init(file: String) {
        self.file = file
    }

    /// The problems by position in the file (those of the whole file first), each once.
    var inFileOrder: [ConfigProblem] {
        var seen = Set<String>()
        let unique = problems.filter { seen.insert($0.description).inserted }
        return unique.enumerated().sorted { a, b in
            (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
        }.map(\.element)
    }

    /// Moves the positions of problems from index `start` on, and of every warning, from the
    /// repaired text of `tabs` back to the original text.
    func remap(from start: Int, _ tabs: IndentationTabs) {
        for index in problems.indices where index >= start {
            problems[index].column = tabs.originalColumn(line: problems[index].line, column: problems[index].column)
        }
        for index in warnings.indices {
            warnings[index].column = tabs.originalColumn(line: warnings[index].line, column: warnings[index].column)
        }
    }

    func warn(_ node: Node, _ message: String) {
        warnings.append(
            ConfigProblem(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, message: message)
        )
    }

    func add(_ problem: ConfigProblem) {
        problems.append(problem)
    }

    func report(_ node: Node?, _ message: String) {
        let mark = node?.mark
        problems.append(ConfigProblem(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, message: message))
    }

    /// What YAML refused in the text, in file order: one problem, or one per mapping that repeats a key.
    func yamlProblems(_ error: any Error) -> [ConfigProblem] {
        guard let yaml = error as? YamlError else {
            return [ConfigProblem(file: file, line: 0, column: 0, message: "cannot parse YAML: \(error)")]
        }
        switch yaml {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return [ConfigProblem(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)")]
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams names the keys of one mapping in an order that changes from run to run, and complex
            // (`? `) keys as `<uncovertable>`: find them again, in file order and as written.
            let found = DuplicateKeys.find(in: context.text)
            guard !found.isEmpty else {
                let names = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
                return [
                    ConfigProblem(
                        file: file,
                        line: context.mark.line,
                        column: context.mark.column,
                        message: "duplicate key \(names) in mapping"
                    )
                ]
            }
            return found.map { mapping in
                ConfigProblem(
                    file: file,
                    line: mapping.line,
                    column: mapping.column,
                    message: "duplicate key \(mapping.keys.map { "'\($0)'" }.joined(separator: ", ")) in mapping"
                )
            }
        case .reader(let problem, _, _, _):
            return [ConfigProblem(file: file, line: 1, column: 1, message: "cannot read YAML: \(problem)")]
        default:
            return [ConfigProblem(file: file, line: 1, column: 1, message: "cannot parse YAML: \(yaml)")]
        }
    }

    /// The entries of a mapping, with unknown keys reported (with a suggestion) and skipped.
    func mapping(_ node: Node, _ what: String, allowed: [String]) -> [(key: String, keyNode: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            report(node, "\(what) must be a mapping (key: value)")
            return nil
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                report(keyNode, "keys in \(what) must be plain text")
                continue
            }
            if !allowed.contains(key) {
                var message = "unknown key '\(key)' in \(what)"
                if let suggestion = Suggestion.closest(to: key, among: allowed) {
                    message += "; did you mean '\(suggestion)'?"
                }
                report(keyNode, message)
                continue
            }
            if !seen.insert(key).inserted {
                report(keyNode, "duplicate key '\(key)' in \(what)")
                continue
            }
            entries.append((key, keyNode, value))
        }
        return entries
    }

    func sequence(_ node: Node, _ what: String) -> [Node]? {
        if let sequence = node.sequence { return Array(sequence) }
        report(node, "\(what) must be a list")
        return nil
    }

    func string(_ node: Node, _ what: String) -> String? {
        guard let scalar = node.scalar else {
            report(node, "\(what) must be a text value")
            return nil
        }
        return scalar.string
    }

    func nonEmptyString(_ node: Node, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        if text.isEmpty {
            report(node, "\(what) must not be empty")
            return nil
        }
        return text
    }

    /// A single string or a list of strings.
    func stringList(_ node: Node, _ what: String) -> [String]? {
        if node.scalar != nil { return string(node, what).map { [$0] } }
        guard let items = sequence(node, what) else { return nil }
        var result: [String] = []
        for item in items {
            guard let text = string(item, "each entry of \(what)") else { return nil }
            result.append(text)
        }
        return result
    }

    func duration(_ node: Node, _ what: String) -> Int64? {
        guard let text = string(node, what) else { return nil }
        guard let value = DurationText.parse(text) else {
            report(node, "\(what) '\(text)' is not a duration (use e.g. 30s, 10m, 4h, 2d)")
            return nil
        }
        return value
    }

    func int(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard let scalar = node.scalar, let value = Int(scalar.string) else {
            report(node, "\(what) must be a whole number")
            return nil
        }
        guard range.contains(value) else {
            report(node, "\(what) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
            return nil
        }
        return value
    }

    func bool(_ node: Node, _ what: String) -> Bool? {
        guard let scalar = node.scalar else {
            report(node, "\(what) must be true or false")
            return nil
        }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report(node, "\(what) must be true or false, not '\(scalar.string)'")
            return nil
        }
    }
}
