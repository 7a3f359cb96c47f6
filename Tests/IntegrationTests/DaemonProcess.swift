import ConnWatchTestSupport
import Foundation
import Testing

/// The `connwatch` binary built alongside the tests (override with `CONNWATCH_BIN`).
enum ConnWatchBinary {
    static var path: String {
        if let override = ProcessInfo.processInfo.environment["CONNWATCH_BIN"] { return override }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/connwatch").path
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
}

/// Result of running `connwatch` to completion.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `connwatch ARGS` and waits for it to exit.
func runConnWatch(_ arguments: [String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ConnWatchBinary.path)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    // Foundation closes the write ends after the spawn; the read ends are closed here.
    defer {
        try? out.fileHandleForReading.close()
        try? err.fileHandleForReading.close()
    }
    try process.runWithUnblockedSignals()
    // A command that hangs is killed after a minute (its pipes then end) and fails the test.
    let watchdog = DispatchWorkItem {
        if process.isAlive {
            Issue.record("connwatch \(arguments) still ran after 60 s; killed")
            kill(process.processIdentifier, SIGKILL)
        }
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
    defer { watchdog.cancel() }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    _ = process.waitForExit(timeout: .seconds(10))
    return CommandResult(
        status: process.exitStatus ?? -1,
        stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self)
    )
}

/// `connwatch run` as a child process, its log (stderr) captured in a file.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let logPath: String

    /// `launcher` runs the daemon through another program (its path and arguments before ours).
    init(
        config: String,
        directory: String,
        environment: [String: String] = [:],
        logLevel: String = "debug",
        launcher: [String] = []
    ) throws {
        logPath = "\(directory)/connwatch.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let arguments = [
            "run", "--config", config, "--log-level", logLevel, "--state-directory", "\(directory)/state",
        ]
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [ConnWatchBinary.path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: ConnWatchBinary.path)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env["JOURNAL_STREAM"] = nil
        env["NOTIFY_SOCKET"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let logHandle = FileHandle(forWritingAtPath: logPath)
        process.standardError = logHandle
        process.standardOutput = FileHandle.nullDevice
        // The daemon writes its log through its own descriptor and `log` reads the file by path:
        // the parent's handle is needed only for the spawn.
        defer { try? logHandle?.close() }
        try process.runWithUnblockedSignals()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until the log contains `text` `count` times. The log is read once more at the deadline:
    /// a test task that was not scheduled for a while (a loaded run) may wake only after it.
    func waitForLog(_ text: String, count: Int = 1, timeout: Duration = .seconds(15)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if log.components(separatedBy: text).count - 1 >= count { return true }
            if !process.isAlive { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return log.components(separatedBy: text).count - 1 >= count
    }

    /// SIGTERM, then waits; returns the exit status. A daemon that does not stop within `timeout`
    /// fails the test: it gets SIGQUIT (the Swift runtime writes every thread's backtrace to the
    /// log), then SIGKILL, and the test records the end of its log.
    @discardableResult
    func stop(timeout: Duration = .seconds(30)) -> Int32 {
        if process.isAlive { process.terminate() }
        if process.waitForExit(timeout: timeout) { return process.exitStatus ?? -1 }
        process.end(signal: SIGQUIT, grace: .seconds(20))
        Issue.record("connwatch did not stop within \(timeout) of SIGTERM; its log ends:\n\(log.suffix(6000))")
        return -1
    }

    /// How many notifications the log says were delivered to `receiver` (`NAME`, or `NAME[PEER]`
    /// for one peer of an `alertmanager` receiver listing several).
    func deliveries(to receiver: String) -> Int {
        log.split(separator: "\n").filter {
            $0.contains("notification delivered") && $0.contains(" receiver=\(receiver) ")
        }.count
    }

    /// Sends `signal` to the daemon.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// SIGKILL, then waits.
    func killHard() {
        if !process.end(signal: SIGKILL) { Issue.record("connwatch did not end after SIGKILL") }
    }

    deinit {
        process.end(signal: SIGKILL)
    }
}

/// A Watson IoT monitor message for device `id` of type `type` (`sensor` unless told) in org `org1`.
func watsonStatus(
    _ id: String,
    _ action: String,
    type: String = "sensor",
    closeCode: Int? = nil,
    reason: String? = nil,
    time: Date = Date()
) -> (topic: String, payload: String) {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    var payload =
        #"{"Action":"\#(action)","Time":"\#(formatter.string(from: time))","ClientAddr":"127.0.0.9","#
        + #""ClientID":"d:org1:\#(type):\#(id)","Port":8883,"Secure":true,"Protocol":"mqtt4""#
    if let closeCode { payload += #","CloseCode":\#(closeCode)"# }
    if let reason { payload += #","Reason":"\#(reason)""# }
    payload += "}"
    return ("iot-2/type/\(type)/id/\(id)/mon", payload)
}

/// The `api:` section: disabled (`port` nil) so parallel daemons do not compete for the default
/// port, or on loopback at `port`.
func apiSection(port: Int?, extra: String = "") -> String {
    guard let port else { return "api:\n  enabled: false\n" }
    return "api:\n  listen: 127.0.0.1\n  port: \(port)\n" + extra
}

/// A configuration for one broker and one receiver named `hook`: a webhook posting to
/// `hookURL/alerts`, or what `receiver` says (the receiver's keys after its name, indented by four).
func daemonConfig(
    brokerPort: Int,
    hookURL: String,
    forDuration: String = "2s",
    grace: String = "0",
    apiPort: Int? = nil,
    receiver: String? = nil
) -> String {
    let receiverKeys = receiver ?? "    type: webhook\n    url: \(hookURL)/alerts\n    timeout: 5s"
    return
        """
        \(apiSection(port: apiPort))mqtt:
          name: test
          url: mqtt://127.0.0.1:\(brokerPort)
          client_id: connwatch-test-\(UUID().uuidString.prefix(8))
          keepalive: 5s
          subscriptions:
            - topic: iot-2/type/+/id/+/mon
              format: watson-iot
        defaults:
          startup_grace: \(grace)
          receivers: [hook]
          group_by: ["..."]
          group_wait: 0s
          group_interval: 1s
        receivers:
          - name: hook
        \(receiverKeys)
        rules:
          - name: sensor_offline
            kind: offline
            for: \(forDuration)
            match:
              client_type: device
        """
}

/// The result of one SQL query (rows by line, columns by `|`), run by Python's sqlite3 so that it
/// checks connwatch's store independently of connwatch's own store code.
func sqliteQuery(_ database: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", "-c",
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\n"
            + "for r in c.execute(sys.argv[2]): print('|'.join('' if v is None else str(v) for v in r))",
        database, sql,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    defer { try? pipe.fileHandleForReading.close() }
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    _ = process.waitForExit(timeout: .seconds(10))
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// What a daemon test needs around `connwatch run`: a scratch directory, a real broker, a webhook
/// receiver, and `daemonConfig` for them written to `rules.yaml`. Call `stop()` when done.
struct DaemonRig {
    let dir: TemporaryDirectory
    let broker: TestBroker
    let hook: TestHTTPServer
    let config: String

    init(forDuration: String) throws {
        dir = try TemporaryDirectory()
        broker = try TestBroker()
        hook = try TestHTTPServer()
        config = try dir.write(
            "rules.yaml",
            daemonConfig(brokerPort: broker.port, hookURL: hook.url, forDuration: forDuration)
        )
    }

    /// The daemon's SQLite store.
    var database: String { "\(dir.path)/state/connwatch.sqlite" }

    /// Starts `connwatch run` on the rig's configuration and directory.
    func start(environment: [String: String] = [:], launcher: [String] = []) throws -> DaemonProcess {
        try DaemonProcess(config: config, directory: dir.path, environment: environment, launcher: launcher)
    }

    func stop() {
        hook.stop()
        broker.stop()
        dir.remove()
    }
}

/// The integer after `key=` in the first log line that contains `message`.
func logNumber(_ log: String, line message: String, key: String) -> Int? {
    guard let line = log.split(separator: "\n").first(where: { $0.contains(message) }),
        let range = line.range(of: " \(key)=")
    else { return nil }
    return Int(line[range.upperBound...].prefix { $0.isNumber })
}
