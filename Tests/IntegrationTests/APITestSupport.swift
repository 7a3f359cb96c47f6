import ConnWatchTestSupport
import Foundation
import Testing

/// One HTTP exchange with the daemon's API, made with the `curl` tool (so the test does not share
/// the daemon's HTTP code).
struct APIAnswer {
    var status: Int
    var body: String
    var contentType: String

    /// The body parsed as JSON.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed])
    }
}

/// Calls `method url` with curl, which sends `Host` from the URL and no `Origin`; `token` adds a
/// bearer header, `body` is sent as JSON unless `headers` (`Name: value`) name another content type.
func callAPI(
    _ method: String,
    _ url: String,
    token: String? = nil,
    body: String? = nil,
    headers: [String] = []
) throws -> APIAnswer {
    var arguments = [
        "-sS", "-g", "-X", method, "--max-time", "20", "-o", "-", "-w", "\n%{http_code}\n%{content_type}", url,
    ]
    if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
    for header in headers { arguments += ["-H", header] }
    if let body {
        if !headers.contains(where: { $0.lowercased().hasPrefix("content-type:") }) {
            arguments += ["-H", "Content-Type: application/json"]
        }
        arguments += ["--data-binary", body]
    }
    var lines = try curl(arguments).components(separatedBy: "\n")
    let contentType = lines.popLast() ?? ""
    let status = Int(lines.popLast() ?? "") ?? 0
    return APIAnswer(status: status, body: lines.joined(separator: "\n"), contentType: contentType)
}

/// What the `curl` tool prints to standard output for `arguments`.
func curl(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    defer { try? out.fileHandleForReading.close() }
    try process.runWithUnblockedSignals()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    _ = process.waitForExit(timeout: .seconds(60))
    return String(decoding: data, as: UTF8.self)
}

/// A broker, a webhook receiver and `connwatch run` with its API on a free port.
final class APIFixture {
    let dir: TemporaryDirectory
    let broker: TestBroker
    let hook: TestHTTPServer
    let apiPort: Int
    let configPath: String
    private(set) var daemon: DaemonProcess

    var base: String { "http://127.0.0.1:\(apiPort)" }

    init(
        forDuration: String = "1s",
        apiExtra: String = "",
        defaultsExtra: String = "",
        rulesExtra: String = "",
        files: [String: String] = [:]
    ) throws {
        dir = try TemporaryDirectory()
        broker = try TestBroker()
        hook = try TestHTTPServer()
        apiPort = try FreePort.loopback()
        for (name, contents) in files { _ = try dir.write(name, contents) }
        let config =
            daemonConfig(brokerPort: broker.port, hookURL: hook.url, forDuration: forDuration)
            .replacingOccurrences(of: "api:\n  enabled: false\n", with: apiSection(port: apiPort, extra: apiExtra))
            .replacingOccurrences(of: "defaults:\n", with: "defaults:\n" + defaultsExtra) + "\n" + rulesExtra
        configPath = try dir.write("rules.yaml", config)
        daemon = try DaemonProcess(config: configPath, directory: dir.path)
    }

    /// Stops the daemon and starts a new one on the same configuration and state directory.
    func restart() throws {
        daemon.stop()
        daemon = try DaemonProcess(config: configPath, directory: dir.path)
    }

    /// Waits for the broker connection and the API (up to a minute each: a loaded machine can
    /// hold a starting daemon back longer than a log line usually takes).
    func ready() async -> Bool {
        let listening = await daemon.waitForLog("query API listening", timeout: .seconds(60))
        let connected = await daemon.waitForLog("broker connected", timeout: .seconds(60))
        return listening && connected
    }

    /// Publishes a Watson IoT status message for device `id` of type `sensor`.
    func publish(_ id: String, _ action: String, closeCode: Int? = nil, reason: String? = nil) throws {
        let status = watsonStatus(id, action, closeCode: closeCode, reason: reason)
        try broker.publish(topic: status.topic, payload: status.payload)
    }

    /// Polls `GET path` until `done` holds for the answer (at most `timeout`).
    func poll(
        _ path: String,
        token: String? = nil,
        timeout: Duration = .seconds(15),
        until done: (APIAnswer) -> Bool
    )
        async throws -> APIAnswer
    {
        let deadline = ContinuousClock.now + timeout
        var answer = try callAPI("GET", base + path, token: token)
        while !done(answer) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            answer = try callAPI("GET", base + path, token: token)
        }
        return answer
    }

    deinit {
        daemon.stop()
        hook.stop()
        broker.stop()
        dir.remove()
    }
}

/// The value of the first sample of `name` (with exactly `labels`) in Prometheus text.
func metric(_ text: String, _ name: String, _ labels: String = "") -> Double? {
    let prefix = labels.isEmpty ? "\(name) " : "\(name){\(labels)} "
    for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
        return Double(line.dropFirst(prefix.count))
    }
    return nil
}

/// The sum of every sample of `name`.
func metricSum(_ text: String, _ name: String) -> Double {
    text.split(separator: "\n").filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
        .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
}
