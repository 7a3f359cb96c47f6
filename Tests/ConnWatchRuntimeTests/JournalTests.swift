import ConnWatchCore
import Foundation
import Logging
import Testing

@testable import ConnWatchRuntime

@Suite("Journal and stderr logging")
struct JournalTests {
    @Test(
        "field names are sanitised",
        arguments: [
            ("client_id", "CLIENT_ID"),
            ("alert.fingerprint", "ALERT_FINGERPRINT"),
            ("mqtt-topic", "MQTT_TOPIC"),
            ("ALREADY_OK", "ALREADY_OK"),
            ("_pid", "X_PID"),
            ("1st", "X1ST"),
            ("", "X"),
            ("ümlaut key", "X_MLAUT_KEY"),
            ("Client-ID", "CLIENT_ID"),
            ("a b/c", "A_B_C"),
        ]
    )
    func sanitize(input: String, expected: String) {
        let name = JournalFieldName.sanitize(input)
        #expect(name == expected)
        #expect(JournalFieldName.isValid(name))
    }

    @Test("long names are cut to 64 characters and stay valid")
    func sanitizeLong() {
        let name = JournalFieldName.sanitize(String(repeating: "k", count: 100))
        #expect(name == String(repeating: "K", count: 64))
        let prefixed = JournalFieldName.sanitize("_" + String(repeating: "a", count: 80))
        #expect(prefixed.count == 64)
        #expect(prefixed.hasPrefix("X_AAA"))
        #expect(JournalFieldName.isValid(prefixed))
    }

    @Test("validity check matches journald's rules")
    func validity() {
        #expect(JournalFieldName.isValid("MESSAGE"))
        #expect(!JournalFieldName.isValid("message"))
        #expect(!JournalFieldName.isValid("_PID"))
        #expect(!JournalFieldName.isValid("1A"))
        #expect(!JournalFieldName.isValid(""))
        #expect(!JournalFieldName.isValid(String(repeating: "A", count: 65)))
    }

    @Test("JOURNAL_STREAM is compared with fstat of fd 2")
    func stderrIsJournal() throws {
        var info = stat()
        try #require(fstat(2, &info) == 0)
        let real = "\(info.st_dev):\(info.st_ino)"
        #expect(LoggingBackend.stderrIsJournal(environment: ["JOURNAL_STREAM": real]))
        #expect(!LoggingBackend.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino + 1)"]))
        #expect(!LoggingBackend.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(info.st_dev + 1):\(info.st_ino)"]))
        #expect(!LoggingBackend.stderrIsJournal(environment: ["JOURNAL_STREAM": "8:306630"]) || real == "8:306630")
        #expect(!LoggingBackend.stderrIsJournal(environment: ["JOURNAL_STREAM": "garbage"]))
        #expect(!LoggingBackend.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(real):1"]))
        #expect(!LoggingBackend.stderrIsJournal(environment: [:]))
    }

    @Test("a pipe on another fd is recognised by its own dev:ino")
    func journalStreamOtherDescriptor() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        var info = stat()
        try #require(fstat(fds[1], &info) == 0)
        let env = ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]
        #expect(LoggingBackend.stderrIsJournal(environment: env, fileDescriptor: fds[1]))
        #expect(!LoggingBackend.stderrIsJournal(environment: env))
    }

    @Test("the journal entry holds exactly the expected KEY=value items")
    func entryItems() {
        let event = LogEvent(
            level: .warning,
            message: "client offline\nsecond line",
            metadata: nil,
            source: "ConnWatchRuntime",
            file: "ConnWatchRuntime/Outbox.swift",
            function: "deliver(_:)",
            line: 42
        )
        let metadata: Logger.Metadata = [
            "client_id": "d-17",
            "alert.fingerprint": "abc123",
            "message": "shadowed",
            "attempt": .stringConvertible(3),
        ]
        let entry = JournalLogHandler.entry(for: event, metadata: metadata, identifier: "connwatch")
        #expect(
            entry.items == [
                "MESSAGE=client offline\nsecond line",
                "PRIORITY=4",
                "SYSLOG_IDENTIFIER=connwatch",
                "CODE_FILE=ConnWatchRuntime/Outbox.swift",
                "CODE_LINE=42",
                "CODE_FUNC=deliver(_:)",
                "LOG_SOURCE=ConnWatchRuntime",
                "ALERT_FINGERPRINT=abc123",
                "ATTEMPT=3",
                "CLIENT_ID=d-17",
                "META_MESSAGE=shadowed",
            ]
        )
        #expect(entry.buffer == Array(entry.items.joined().utf8))
        #expect(entry.names.allSatisfy(JournalFieldName.isValid))
        #expect(!entry.names.contains("UNIT"))
    }

    @Test("an event's error becomes ERROR=, identifier is configurable")
    func entryWithError() {
        struct Failure: Error, CustomStringConvertible {
            var description: String { "disk full" }
        }
        let event = LogEvent(
            level: .critical,
            message: "store failed",
            error: Failure(),
            metadata: nil,
            source: "S",
            file: "F.swift",
            function: "f()",
            line: 1
        )
        let entry = JournalLogHandler.entry(for: event, metadata: [:], identifier: "cw-test")
        #expect(entry.items.contains("PRIORITY=2"))
        #expect(entry.items.contains("SYSLOG_IDENTIFIER=cw-test"))
        #expect(entry.items.last == "ERROR=disk full")
    }

    @Test("priorities follow syslog", arguments: zip(Logger.Level.allCases, [7, 7, 6, 5, 4, 3, 2]))
    func priorities(level: Logger.Level, priority: Int) {
        #expect(JournalLogHandler.syslogPriority(level) == priority)
    }

    @Test("sending an entry does not crash with or without journald")
    func sendDoesNotCrash() {
        var entry = JournalEntry()
        entry.append("MESSAGE", "connwatch journal test")
        entry.append("PRIORITY", "7")
        entry.append("SYSLOG_IDENTIFIER", "connwatch-test")
        #expect(entry.send() >= 0)
        #expect(JournalEntry().send() == 0)
    }

    @Test("a Logger backed by the journal handler logs without crashing")
    func journalHandlerThroughLogger() {
        // Outside systemd this goes nowhere; `endToEnd` below runs this test again under a real journald.
        let marker = ProcessInfo.processInfo.environment[JournalEndToEnd.markerVariable] ?? "none"
        var handler = JournalLogHandler(label: "test", identifier: "connwatch-test", logLevel: .debug)
        handler[metadataKey: "client_id"] = "e2e-client"
        let configured = handler
        let logger = Logger(label: "test") { _ in configured }
        logger.notice(
            "connwatch journal end-to-end\nsecond line",
            metadata: ["alert.fingerprint": "e2e-fp", "e2e_marker": "\(marker)"]
        )
        #expect(logger.logLevel == .debug)
    }

    @Test(
        "entries reach a standalone journald with every field (SWIFT.md §9.3)",
        .enabled(if: JournalEndToEnd.isAvailable, "needs root, unshare, systemd-journald and journalctl"),
        .timeLimit(.minutes(1))
    )
    func endToEnd() throws {
        let marker = UUID().uuidString
        let entries = try JournalEndToEnd.run(marker: marker)
        try #require(entries.count == 1, "journalctl returned \(entries.count) entries")
        let entry = entries[0]
        #expect(entry["MESSAGE"] == "connwatch journal end-to-end\nsecond line")
        #expect(entry["PRIORITY"] == "5")
        #expect(entry["SYSLOG_IDENTIFIER"] == "connwatch-test")
        #expect(entry["CODE_FILE"] == "ConnWatchRuntimeTests/JournalTests.swift")
        #expect(entry["CODE_FUNC"] == "journalHandlerThroughLogger()")
        #expect(entry["CODE_LINE"].flatMap { Int($0) } != nil)
        #expect(entry["CLIENT_ID"] == "e2e-client")
        #expect(entry["ALERT_FINGERPRINT"] == "e2e-fp")
        #expect(entry["E2E_MARKER"] == marker)
        #expect(entry["UNIT"] == nil)
    }

    @Test("stderr lines: <N> prefix, message, sorted key=value, quoting")
    func stderrFormat() {
        let line = StderrLogHandler.formatLine(
            level: .error,
            message: "delivery failed\nretrying",
            metadata: ["receiver": "ops slack", "attempt": "2", "empty": "", "quote": "a\"b"]
        )
        #expect(line == "<3>delivery failed\\nretrying attempt=2 empty=\"\" quote=\"a\\\"b\" receiver=\"ops slack\"\n")
        #expect(StderrLogHandler.formatLine(level: .info, message: "up", metadata: [:]) == "<6>up\n")
    }

    @Test("stderr lines escape control characters and bidi overrides from the feed")
    func stderrEscapesTerminalControls() {
        let id = "d:org1:sensor:\u{1b}]0;owned\u{07}\u{0}x\u{202e}y\u{9b}2J"
        let escaped = #"d:org1:sensor:\u{1b}]0;owned\u{7}\u{0}x\u{202e}y\u{9b}2J"#
        let line = StderrLogHandler.formatLine(
            level: .notice,
            message: "client \(id) connected",
            metadata: ["client_id": "\(id)", "reason": "a b\u{1b}[2J", "key\u{7}": "v"]
        )
        #expect(line == "<5>client \(escaped) connected client_id=\(escaped) key\\u{7}=v reason=\"a b\\u{1b}[2J\"\n")
        #expect(line.unicodeScalars.dropLast().allSatisfy { !TerminalText.isUnsafe($0) })
    }

    @Test("the journal's MESSAGE is escaped (journalctl -o cat prints it raw); other fields stay data")
    func journalMessageEscaped() {
        let event = LogEvent(
            level: .info,
            message: "client d:o:t:\u{1b}[2J\u{202e}x left\nsecond line",
            metadata: nil,
            source: "s",
            file: "f",
            function: "g",
            line: 1
        )
        let entry = JournalLogHandler.entry(for: event, metadata: ["client_id": "d:o:t:\u{1b}"], identifier: "c")
        #expect(entry.items.first == #"MESSAGE=client d:o:t:\u{1b}[2J\u{202e}x left"# + "\nsecond line")
        #expect(entry.items.last == "CLIENT_ID=d:o:t:\u{1b}")
    }

    @Test("the stderr handler writes one line per entry to its descriptor")
    func stderrHandlerWrites() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        var handler = StderrLogHandler(label: "t", logLevel: .debug, metadataProvider: nil, fileDescriptor: fds[1])
        handler[metadataKey: "broker"] = "b1"
        let configured = handler
        var logger = Logger(label: "t") { _ in configured }
        logger.logLevel = .debug
        logger.notice("connected", metadata: ["client_id": "c 1"])
        logger.debug("tick")
        close(fds[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if count <= 0 { break }
            output += chunk[0..<count]
        }
        #expect(
            String(decoding: output, as: UTF8.self) == "<5>connected broker=b1 client_id=\"c 1\"\n<7>tick broker=b1\n"
        )
    }

    @Test("the backend picks the handler type")
    func backendChoice() {
        let journal = LoggingBackend.makeHandler(label: "x", identifier: "connwatch", level: .debug, journal: true)
        let stderr = LoggingBackend.makeHandler(label: "x", identifier: "connwatch", level: .notice, journal: false)
        #expect(journal is JournalLogHandler)
        #expect(journal.logLevel == .debug)
        #expect(stderr is StderrLogHandler)
        #expect(stderr.logLevel == .notice)
    }
}

/// Runs ``JournalTests/journalHandlerThroughLogger()`` in a child process under a standalone journald inside a
/// private mount namespace (tmpfs over /run/systemd, /run/log, /var/log/journal; the host is untouched) and
/// reads the entry back with journalctl.
private enum JournalEndToEnd {
    static let markerVariable = "CONNWATCH_E2E_MARKER"

    static var testBinary: String? {
        guard let path = CommandLine.arguments.first, path.hasSuffix(".xctest") else { return nil }
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    static var isAvailable: Bool {
        let tools = ["/lib/systemd/systemd-journald", "/usr/bin/unshare", "/usr/bin/journalctl", "/usr/bin/timeout"]
        return getuid() == 0 && ProcessInfo.processInfo.environment[markerVariable] == nil && testBinary != nil
            && tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(marker: String) throws -> [[String: String]] {
        let binary = try #require(testBinary)
        let script = """
            set -e
            mkdir -p /run/systemd /run/log /var/log/journal
            mount -t tmpfs tmpfs /run/systemd
            mount -t tmpfs tmpfs /run/log
            mount -t tmpfs tmpfs /var/log/journal
            /lib/systemd/systemd-journald >/dev/null 2>&1 &
            JOURNALD=$!
            trap 'kill $JOURNALD 2>/dev/null' EXIT
            i=0
            while [ ! -S /run/systemd/journal/socket ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
            "$1" --testing-library swift-testing --filter journalHandlerThroughLogger >/dev/null 2>&1
            i=0
            while [ $i -lt 40 ]; do
                out=$(journalctl -o json --no-pager E2E_MARKER="$2")
                [ -n "$out" ] && break
                sleep 0.05; i=$((i+1))
            done
            printf '%s\n' "$out"
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = [
            "50", "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", binary,
            marker,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment[markerVariable] = marker
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        defer { try? output.fileHandleForReading.close() }
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        _ = process.waitForExit(timeout: .seconds(60))
        try #require((process.exitStatus ?? -1) == 0, "helper exited with \(process.exitStatus ?? -1)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return object.compactMapValues { $0 as? String }
        }
    }
}
