import Yams

/// Runs rule unit tests against an `Engine`: pure and exact, no clock and no I/O.
///
/// Time moves only forward. Before the events of an instant are applied, every deadline before
/// that instant is processed; the events are applied in file order; then the deadlines at the
/// instant itself (as in the daemon, which advances the engine after each message). So an event
/// at the same instant as a deadline wins: a reconnect exactly at `for` prevents the alert.
public enum RuleTestRunner {
    /// The broker name events carry when neither the event nor the rule files name one.
    public static let defaultBroker = "test"

    /// Loads the rule files a test file names (`texts` in `rule_files` order, read by the caller).
    /// A file must be a valid configuration, except that it may lack the `mqtt` section (a rules-only
    /// file); brokers and receivers are not used. The rules of every file are used, in order; the
    /// `defaults` are the first file's.
    public static func loadRules(_ texts: [(file: String, text: String)]) throws(ConfigError) -> ConnWatchConfig {
        var merged: ConnWatchConfig?
        var problems: [ConfigProblem] = []
        var seen: [String: String] = [:]
        for (file, text) in texts {
            let config: ConnWatchConfig
            do {
                config = try loadRuleFile(text: text, file: file)
            } catch {
                problems += error.problems
                continue
            }
            for name in config.offlineRules.map(\.name) + config.countingRules.map(\.name) {
                if let other = seen[name] {
                    problems.append(
                        ConfigProblem(
                            file: file,
                            line: 0,
                            column: 0,
                            message: "rule '\(name)' is also defined in \(other)"
                        )
                    )
                }
                seen[name] = file
            }
            if var result = merged {
                result.offlineRules += config.offlineRules
                result.countingRules += config.countingRules
                result.brokers += config.brokers
                merged = result
            } else {
                merged = config
            }
        }
        if !problems.isEmpty { throw ConfigError(problems: problems) }
        return merged ?? ConnWatchConfig()
    }

    /// One rule file: through `ConfigLoader` when it has an `mqtt` section, else validated the same
    /// way with the single "no mqtt section" problem tolerated.
    static func loadRuleFile(text: String, file: String) throws(ConfigError) -> ConnWatchConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .default, .default, .utf8)
        } catch {
            throw ConfigError(problems: NodeReader(file: file).yamlProblems(error))
        }
        guard let root, let mapping = root.mapping, mapping["mqtt"] == nil else {
            return try ConfigLoader.load(text: text, file: file)
        }
        let reader = NodeReader(file: file)
        let config = ConfigBuilder(reader: reader, isReadable: { _ in true }, inspect: { _ in nil }).build(root)
        let problems = reader.problems.filter { problem in
            !(problem.line == root.mark?.line && problem.column == root.mark?.column
                && problem.message.hasPrefix("the configuration has no 'mqtt' section"))
        }
        if !problems.isEmpty { throw ConfigError(problems: problems) }
        return config
    }

    /// Runs every test of `suite` against `config`'s rules.
    public static func run(_ suite: RuleTestSuite, config: ConnWatchConfig) -> [RuleTestResult] {
        suite.tests.map { run($0, config: config) }
    }

    /// Runs one test against `config`'s rules.
    public static func run(_ test: RuleTestCase, config: ConnWatchConfig) -> RuleTestResult {
        var engineConfiguration = config.engine
        if let grace = test.startupGrace { engineConfiguration.startupGrace = grace }
        let engine = Engine(configuration: engineConfiguration, startTime: test.start)
        engine.keepsLogForStore = false
        let broker = config.brokers.first?.name ?? defaultBroker
        var changes: [AlertChange] = []
        var emitted: [RuleTestChange] = []
        var failures: [RuleTestFailure] = []
        var nextEvent = 0
        var now = test.start

        /// Stamps the new changes with when the daemon would have sent them: a deadline's change at
        /// the deadline, but never before `clock`, the time the engine had already been brought to.
        func record(after clock: Int64) {
            for change in changes {
                emitted.append(RuleTestChange(at: max(changeTime(change.alert), clock), alert: change.alert))
            }
            changes.removeAll(keepingCapacity: true)
        }

        /// Applies every event up to and including `time`, then advances to `time`.
        func run(until time: Int64) {
            while nextEvent < test.events.count, test.events[nextEvent].at <= time {
                let instant = max(test.events[nextEvent].at, now)
                if instant > now {
                    engine.advance(to: instant - 1, into: &changes)
                    record(after: now)
                }
                while nextEvent < test.events.count, test.events[nextEvent].at <= instant {
                    let item = test.events[nextEvent]
                    engine.handle(item.event, broker: item.broker ?? broker, now: instant, into: &changes)
                    nextEvent += 1
                }
                engine.advance(to: instant, into: &changes)
                record(after: instant)
                now = instant
            }
            if time > now {
                engine.advance(to: time, into: &changes)
                record(after: now)
                now = time
            }
        }

        for expectation in test.expectations {
            run(until: expectation.at)
            if let failure = compare(expectation, engine.firingAlerts, start: test.start) { failures.append(failure) }
        }
        if let expected = test.notifications {
            let end = max(test.expectations.last?.at ?? test.start, expected.map(\.at).max() ?? test.start)
            run(until: end)
            if let failure = compare(expected, emitted, until: end, start: test.start) { failures.append(failure) }
        }
        return RuleTestResult(name: test.name, failures: failures)
    }

    // MARK: Comparison

    /// Pairs expected alerts with firing ones (each used once); `nil` when every expected alert has
    /// its own firing alert and no firing alert is left over.
    static func compare(_ expectation: AlertExpectation, _ firing: [Alert], start: Int64) -> RuleTestFailure? {
        let pairs = assign(expectation.alerts, firing) { $0.matches($1) }
        let missing = expectation.alerts.indices.filter { pairs[$0] == nil }
        let used = Set(pairs.compactMap { $0 })
        let unexpected = firing.indices.filter { !used.contains($0) }
        if missing.isEmpty && unexpected.isEmpty { return nil }
        var lines: [String] = []
        var explained = Set<Int>()
        for index in missing {
            let expected = expectation.alerts[index]
            lines.append("- \(expected)")
            // A firing alert with the right labels but other annotations: say which differ.
            if let near = unexpected.first(where: { !explained.contains($0) && expected.matches(labelsOf: firing[$0]) })
            {
                explained.insert(near)
                for pair in expected.annotations where firing[near].annotations[pair.name] != pair.value {
                    let got = firing[near].annotations[pair.name].map { "\"\($0)\"" } ?? "none"
                    lines.append("    annotation \(pair.name): expected \"\(pair.value)\", got \(got)")
                }
            }
        }
        // Those explained by an annotation line above are not repeated.
        for index in unexpected.filter({ !explained.contains($0) })
            .sorted(by: { firing[$0].labels.description < firing[$1].labels.description })
        {
            lines.append("+ \(firing[index].labels)")
        }
        return RuleTestFailure(
            at: expectation.at - start,
            headline: "firing alerts differ (- expected, not firing; + firing, not expected)",
            expected: expectation.alerts.map(\.description),
            got: firing.map(\.labels.description).sorted(),
            diff: lines
        )
    }

    /// Compares the alert changes up to `end` with the expected ones, in order.
    static func compare(
        _ expected: [ExpectedNotification],
        _ changes: [RuleTestChange],
        until end: Int64,
        start: Int64
    ) -> RuleTestFailure? {
        func matches(_ expected: ExpectedNotification, _ change: RuleTestChange) -> Bool {
            expected.at == change.at && expected.state == change.alert.state && expected.alert.matches(change.alert)
        }
        let got = inExpectedOrder(changes.filter { $0.at <= end }, expected, matches)
        if got.count == expected.count && zip(expected, got).allSatisfy(matches) { return nil }
        func describe(_ at: Int64, _ state: AlertState, _ what: String) -> String {
            "\(RuleTestRunner.formatOffset(at - start)) \(state.rawValue) \(what)"
        }
        let expectedLines = expected.map { describe($0.at, $0.state, $0.alert.description) }
        let gotLines = got.map { describe($0.at, $0.alert.state, $0.alert.labels.description) }
        // A longest-common-subsequence diff: one extra or missing change shows as one line.
        var diff: [String] = []
        for step in sequenceDiff(expected, got, matches) {
            switch step {
            case .same(_, let actual): diff.append("  \(gotLines[actual])")
            case .missing(let wanted): diff.append("- \(expectedLines[wanted])")
            case .extra(let actual): diff.append("+ \(gotLines[actual])")
            }
        }
        return RuleTestFailure(
            at: end - start,
            headline: "notifications differ (in order; - expected, + got)",
            expected: expectedLines,
            got: gotLines,
            diff: diff
        )
    }

    /// An offset exactly, in the units a test file uses: `0s`, `10m59s`, `1h0m30s`, `1500ms` → `1s500ms`.
    public static func formatOffset(_ milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0s" }
        let sign = milliseconds < 0 ? "-" : ""
        var rest = milliseconds.magnitude
        var text = ""
        for (unit, size) in [("h", UInt64(3_600_000)), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            let value = rest / size
            rest %= size
            if value > 0 || (!text.isEmpty && rest > 0) { text += "\(value)\(unit)" }
        }
        return sign + text
    }

    /// The changes of one instant in no particular order: `alerts` with each instant's changes
    /// reordered to follow the expected ones they match (the others after them).
    static func inExpectedOrder(
        _ alerts: [RuleTestChange],
        _ expected: [ExpectedNotification],
        _ matches: (ExpectedNotification, RuleTestChange) -> Bool
    ) -> [RuleTestChange] {
        var result: [RuleTestChange] = []
        var index = 0
        while index < alerts.count {
            let time = alerts[index].at
            var runEnd = index
            while runEnd < alerts.count, alerts[runEnd].at == time { runEnd += 1 }
            let run = Array(alerts[index..<runEnd])
            let wanted = expected.filter { $0.at == time }
            let pairs = assign(wanted, run, matches)
            let paired = pairs.compactMap { $0 }
            result += paired.map { run[$0] }
            result += run.indices.filter { !paired.contains($0) }.map { run[$0] }
            index = runEnd
        }
        return result
    }

    /// One step of a sequence diff.
    enum DiffStep: Equatable {
        case same(Int, Int)
        case missing(Int)
        case extra(Int)
    }

    /// The steps from `expected` to `actual` keeping the longest common subsequence under `matches`.
    static func sequenceDiff<Expected, Actual>(
        _ expected: [Expected],
        _ actual: [Actual],
        _ matches: (Expected, Actual) -> Bool
    ) -> [DiffStep] {
        let rows = expected.count
        let columns = actual.count
        // common[i][j]: the longest common subsequence of expected[i...] and actual[j...].
        var common = Array(repeating: Array(repeating: 0, count: columns + 1), count: rows + 1)
        for i in stride(from: rows - 1, through: 0, by: -1) {
            for j in stride(from: columns - 1, through: 0, by: -1) {
                common[i][j] =
                    matches(expected[i], actual[j]) ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var steps: [DiffStep] = []
        var i = 0
        var j = 0
        while i < rows || j < columns {
            if i < rows, j < columns, matches(expected[i], actual[j]), common[i][j] == common[i + 1][j + 1] + 1 {
                steps.append(.same(i, j))
                i += 1
                j += 1
            } else if i < rows, j == columns || common[i + 1][j] >= common[i][j + 1] {
                steps.append(.missing(i))
                i += 1
            } else {
                steps.append(.extra(j))
                j += 1
            }
        }
        return steps
    }

    /// When an alert change happened: firing at `startsAt`, resolved at `endsAt`.
    static func changeTime(_ alert: Alert) -> Int64 {
        alert.state == .resolved ? (alert.endsAt ?? alert.startsAt) : alert.startsAt
    }

    /// A maximum matching of expected items to actual ones (augmenting paths): for each expected
    /// index, the actual index it is paired with, or `nil`.
    static func assign<Expected, Actual>(
        _ expected: [Expected],
        _ actual: [Actual],
        _ matches: (Expected, Actual) -> Bool
    ) -> [Int?] {
        var owner: [Int?] = Array(repeating: nil, count: actual.count)
        let candidates = expected.map { item in actual.indices.filter { matches(item, actual[$0]) } }
        func augment(_ index: Int, _ visited: inout Set<Int>) -> Bool {
            for candidate in candidates[index] where visited.insert(candidate).inserted {
                if let current = owner[candidate], !augment(current, &visited) { continue }
                owner[candidate] = index
                return true
            }
            return false
        }
        for index in expected.indices {
            var visited = Set<Int>()
            _ = augment(index, &visited)
        }
        var result: [Int?] = Array(repeating: nil, count: expected.count)
        for (actualIndex, expectedIndex) in owner.enumerated() {
            if let expectedIndex { result[expectedIndex] = actualIndex }
        }
        return result
    }
}

/// An alert change and when the engine emitted it.
struct RuleTestChange: Equatable {
    var at: Int64
    var alert: Alert
}

/// The outcome of one test.
public struct RuleTestResult: Sendable, Equatable {
    public var name: String
    /// Empty when the test passed.
    public var failures: [RuleTestFailure]

    public init(name: String, failures: [RuleTestFailure]) {
        self.name = name
        self.failures = failures
    }

    public var passed: Bool { failures.isEmpty }
}

/// One check of a test that did not hold, with what was expected, what happened, and a diff.
public struct RuleTestFailure: Sendable, Equatable, CustomStringConvertible {
    /// The offset from the test's start at which the check was made (milliseconds).
    public var at: Int64
    public var headline: String
    /// One line per expected alert (or notification).
    public var expected: [String]
    /// One line per actual alert (labels sorted) or notification.
    public var got: [String]
    /// `- ` expected but missing, `+ ` present but not expected, `  ` as expected.
    public var diff: [String]

    public init(at: Int64, headline: String, expected: [String], got: [String], diff: [String]) {
        self.at = at
        self.headline = headline
        self.expected = expected
        self.got = got
        self.diff = diff
    }

    /// The failure as the CLI prints it, indented under the test's `FAIL` line.
    public var description: String {
        var lines = ["  at \(RuleTestRunner.formatOffset(at)): \(headline)"]
        lines.append("    expected:" + (expected.isEmpty ? " (none)" : ""))
        lines += expected.map { "      \($0)" }
        lines.append("    got:" + (got.isEmpty ? " (none)" : ""))
        lines += got.map { "      \($0)" }
        lines.append("    diff:")
        lines += diff.map { "      \($0)" }
        return lines.joined(separator: "\n")
    }
}
