import ConnWatchTestSupport
import Foundation

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
    try process.runWithUnblockedSignals()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self)
    )
}

/// `connwatch run` as a child process, its log (stderr) captured in a file.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let logPath: String

    init(config: String, directory: String, environment: [String: String] = [:], logLevel: String = "debug") throws {
        logPath = "\(directory)/connwatch.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: ConnWatchBinary.path)
        process.arguments = [
            "run", "--config", config, "--log-level", logLevel, "--state-directory", "\(directory)/state",
        ]
        var env = ProcessInfo.processInfo.environment
        env["JOURNAL_STREAM"] = nil
        env["NOTIFY_SOCKET"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.runWithUnblockedSignals()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until the log contains `text` `count` times.
    func waitForLog(_ text: String, count: Int = 1, timeout: Duration = .seconds(15)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if log.components(separatedBy: text).count - 1 >= count { return true }
            if !process.isRunning { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// SIGTERM, then waits; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Sends `signal` to the daemon.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// SIGKILL, then waits.
    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A Watson IoT monitor message for device `id` of type `sensor` in org `org1`.
func watsonStatus(
    _ id: String,
    _ action: String,
    closeCode: Int? = nil,
    reason: String? = nil,
    time: Date = Date()
) -> (topic: String, payload: String) {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    var payload =
        #"{"Action":"\#(action)","Time":"\#(formatter.string(from: time))","ClientAddr":"127.0.0.9","#
        + #""ClientID":"d:org1:sensor:\#(id)","Port":8883,"Secure":true,"Protocol":"mqtt4""#
    if let closeCode { payload += #","CloseCode":\#(closeCode)"# }
    if let reason { payload += #","Reason":"\#(reason)""# }
    payload += "}"
    return ("iot-2/type/sensor/id/\(id)/mon", payload)
}

/// A configuration for one broker and one webhook receiver.
func daemonConfig(brokerPort: Int, hookURL: String, forDuration: String = "2s", grace: String = "0") -> String {
    """
    mqtt:
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
        type: webhook
        url: \(hookURL)/alerts
        timeout: 5s
    rules:
      - name: sensor_offline
        kind: offline
        for: \(forDuration)
        match:
          client_type: device
    """
}
