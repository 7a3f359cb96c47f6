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
        var parsed: [(file: String, suite: Result<RuleTestSuite, ConfigError>)] = []
        for file in files {
            do throws(ConfigError) {
                parsed.append((file, .success(try RuleTestParser.parse(text: Self.read(file), file: file))))
            } catch {
                parsed.append((file, .failure(error)))
            }
        }
        // `test-rules examples/tests/*.yaml` also names the rule files the tests use: skip those.
        var ruleFiles = Set<String>()
        for case (let file, .success(let suite)) in parsed {
            for reference in suite.ruleFiles { ruleFiles.insert(Self.absolute(Self.resolve(reference, of: file))) }
        }
        for (file, suite) in parsed {
            let results: [RuleTestResult]
            do throws(ConfigError) {
                switch suite {
                case .success(let suite): results = try Self.run(suite)
                case .failure(let error):
                    if ruleFiles.contains(Self.absolute(file)) { continue }
                    throw error
                }
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
        if invalid > 0 { throw ExitCode(ExitStatus.config) }
        if failed > 0 { throw ExitCode(ExitStatus.failure) }
    }

    /// Reads the rule files `suite` names and runs its tests.
    static func run(_ suite: RuleTestSuite) throws(ConfigError) -> [RuleTestResult] {
        var texts: [(file: String, text: String)] = []
        var problems: [ConfigProblem] = []
        for reference in suite.ruleFiles {
            let path = resolve(reference, of: suite.file)
            do throws(ConfigError) {
                texts.append((path, try read(path)))
            } catch {
                // Located at the rule_files entry of the test file.
                problems += error.problems.map {
                    ConfigProblem(
                        file: suite.file,
                        line: reference.line,
                        column: reference.column,
                        message: "rule file '\(path)': \($0.message)"
                    )
                }
            }
        }
        if !problems.isEmpty { throw ConfigError(problems: problems) }
        let config = try RuleTestRunner.loadRules(texts)
        return RuleTestRunner.run(suite, config: config)
    }

    /// A rule file's path: relative ones are relative to the test file's folder.
    private static func resolve(_ reference: RuleFileReference, of testFile: String) -> String {
        ConfigFile.resolve(reference.path, relativeTo: (testFile as NSString).deletingLastPathComponent)
    }

    private static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// A file's text, or a problem at the file itself.
    private static func read(_ path: String) throws(ConfigError) -> String {
        func problem(_ message: String) -> ConfigError {
            ConfigError(problems: [ConfigProblem(file: path, line: 0, column: 0, message: message)])
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
