import ArgumentParser
import ConnWatchCore
import ConnWatchRuntime
import Foundation

/// `connwatch test-rules FILE…`: rule unit tests (like `promtool test rules`).
struct TestRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-rules",
        abstract: "Run rule unit tests: status events at time offsets and the alerts expected at given times.",
        discussion: """
            Prints PASS or FAIL (with a diff) per test and a summary. Exit status: 0 when every test \
            passes, 1 when a test fails, 78 when a test file or a rule file it names is invalid.
            """
    )

    @Argument(help: "Test files (YAML).")
    var files: [String]

    func run() throws {
        var passed = 0
        var failed = 0
        var invalid = 0
        for file in files {
            let results: [RuleTestResult]
            do {
                results = try Self.runFile(file)
            } catch {
                for problem in error.problems { Self.printError(problem.description) }
                invalid += 1
                continue
            }
            for result in results {
                if result.passed {
                    print("PASS \(result.name)")
                    passed += 1
                } else {
                    print("FAIL \(result.name)")
                    for failure in result.failures { print(failure.description) }
                    failed += 1
                }
            }
        }
        var summary = "\(passed) passed, \(failed) failed"
        if invalid > 0 { summary += ", \(invalid) invalid file\(invalid == 1 ? "" : "s")" }
        print(summary)
        if invalid > 0 { throw ExitCode(exitConfigError) }
        if failed > 0 { throw ExitCode(1) }
    }

    /// Reads a test file and the rule files it names, and runs its tests.
    static func runFile(_ file: String) throws(ConfigError) -> [RuleTestResult] {
        let suite = try RuleTestParser.parse(text: read(file, problemAt: nil, in: file), file: file)
        let base = (file as NSString).deletingLastPathComponent
        var texts: [(file: String, text: String)] = []
        var problems: [ConfigProblem] = []
        for reference in suite.ruleFiles {
            let path = ConfigFile.resolve(reference.path, relativeTo: base)
            do {
                texts.append((path, try read(path, problemAt: reference, in: file)))
            } catch {
                problems += error.problems
            }
        }
        if !problems.isEmpty { throw ConfigError(problems: problems) }
        let config = try RuleTestRunner.loadRules(texts)
        return RuleTestRunner.run(suite, config: config)
    }

    /// A file's text; a problem at `reference` in `testFile` (or at the file itself) when unreadable.
    private static func read(
        _ path: String,
        problemAt reference: RuleFileReference?,
        in testFile: String
    ) throws(ConfigError) -> String {
        func problem(_ message: String) -> ConfigError {
            guard let reference else {
                return ConfigError(problems: [ConfigProblem(file: path, line: 0, column: 0, message: message)])
            }
            return ConfigError(problems: [
                ConfigProblem(
                    file: testFile,
                    line: reference.line,
                    column: reference.column,
                    message: "rule file '\(path)': \(message)"
                )
            ])
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw problem("cannot read: \((error as NSError).localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw problem("is not UTF-8 text") }
        return text
    }

    private static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
