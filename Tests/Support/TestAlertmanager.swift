import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`), run as a child process on a
/// free loopback port, with clustering off or as one peer of a `Cluster`, for tests. Its configuration routes every alert to one
/// webhook (`webhookURL`), so a test sees what Alertmanager itself sends downstream.
public final class TestAlertmanager: @unchecked Sendable {
    /// The binary Debian installs.
    public static let binary = "/usr/bin/prometheus-alertmanager"

    /// The loopback port of its API.
    public let port: Int
    /// The temporary directory with configuration, storage and log.
    public let directory: URL
    private let process = Process()

    /// Clustering on loopback: this peer's gossip port and its peers' ports, with short gossip and
    /// push-pull intervals so that a test's cluster settles and shares its notification log fast.
    public struct Cluster: Sendable {
        public var port: Int
        public var peerPorts: [Int]
        /// How long a peer waits per position in the cluster before it notifies itself.
        public var peerTimeout: String

        public init(port: Int, peerPorts: [Int], peerTimeout: String = "3s") {
            self.port = port
            self.peerPorts = peerPorts
            self.peerTimeout = peerTimeout
        }

        /// The peers' command-line flags.
        var arguments: [String] {
            [
                "--cluster.listen-address=127.0.0.1:\(port)",
                "--cluster.advertise-address=127.0.0.1:\(port)",
                "--cluster.gossip-interval=50ms",
                "--cluster.pushpull-interval=1s",
                "--cluster.settle-timeout=3s",
                "--cluster.peer-timeout=\(peerTimeout)",
            ] + peerPorts.map { "--cluster.peer=127.0.0.1:\($0)" }
        }
    }

    /// Starts Alertmanager and waits (up to 20 s) until `/-/ready` answers.
    /// `resolveTimeout`, `groupWait`, `groupInterval` and `repeatInterval` are Alertmanager durations.
    public convenience init(
        webhookURL: String,
        resolveTimeout: String = "3s",
        groupBy: [String] = ["alertname"],
        groupWait: String = "1s",
        groupInterval: String = "1s",
        repeatInterval: String = "1h",
        cluster: Cluster? = nil
    ) throws {
        let groups = groupBy.map { "'\($0)'" }.joined(separator: ", ")
        let config = """
            global:
              resolve_timeout: \(resolveTimeout)
            route:
              receiver: hook
              group_by: [\(groups)]
              group_wait: \(groupWait)
              group_interval: \(groupInterval)
              repeat_interval: \(repeatInterval)
            receivers:
              - name: hook
                webhook_configs:
                  - url: '\(webhookURL)'
                    send_resolved: true

            """
        try self.init(configuration: config, cluster: cluster)
    }

    /// Starts Alertmanager with the configuration file `configuration` (an `alertmanager.yml`) and
    /// waits (up to 20 s) until `/-/ready` answers.
    public init(configuration config: String, cluster: Cluster? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw TestBrokerError("\(Self.binary) is missing: `make deps` installs prometheus-alertmanager")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("connwatch-alertmanager-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try FreePort.loopback()
        let configFile = directory.appendingPathComponent("alertmanager.yml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let log = directory.appendingPathComponent("alertmanager.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments =
            [
                "--config.file=\(configFile.path)",
                "--storage.path=\(directory.path)/data",
                "--web.listen-address=127.0.0.1:\(port)",
                "--log.level=debug",
            ] + (cluster?.arguments ?? ["--cluster.listen-address="])
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let logHandle = FileHandle(forWritingAtPath: log.path)
        process.standardError = logHandle
        // The child writes through its own copy and the log is read by path: the parent's handle is
        // closed once the child is started.
        defer { try? logHandle?.close() }
        try process.runWithUnblockedSignals()
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard process.isAlive else { throw TestBrokerError("alertmanager exited: \(logContents().suffix(2000))") }
            if (try? get("/-/ready"))?.status == 200 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw TestBrokerError("alertmanager was not ready within 20 s: \(logContents().suffix(2000))")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Alertmanager's own log.
    public func logContents() -> String {
        (try? String(contentsOf: directory.appendingPathComponent("alertmanager.log"), encoding: .utf8)) ?? ""
    }

    /// Stops Alertmanager (SIGTERM, then SIGKILL).
    public func stop() {
        process.end(grace: .seconds(5))
    }

    /// Ends Alertmanager at once (SIGKILL), as a crashed peer.
    public func kill() {
        process.end(signal: SIGKILL)
    }

    /// The peers this one sees in its cluster, itself included (`GET /api/v2/status`).
    public func clusterPeerCount() throws -> Int {
        let response = try get("/api/v2/status")
        guard response.status == 200,
            let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            let cluster = object["cluster"] as? [String: Any]
        else { throw TestBrokerError("GET /api/v2/status answered \(response.status)") }
        return (cluster["peers"] as? [Any])?.count ?? 0
    }

    /// The alerts Alertmanager holds as active, unsilenced and uninhibited (`GET /api/v2/alerts`):
    /// resolved and expired alerts are not listed.
    public func activeAlerts() throws -> [[String: Any]] {
        let response = try get("/api/v2/alerts?active=true&silenced=false&inhibited=false")
        guard response.status == 200,
            let list = try JSONSerialization.jsonObject(with: response.body) as? [[String: Any]]
        else { throw TestBrokerError("GET /api/v2/alerts answered \(response.status)") }
        return list
    }

    /// A GET on the loopback API with a plain blocking socket (no URLSession in the test process).
    public func get(_ path: String) throws -> (status: Int, body: Data) {
        try exchange("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    }

    /// A JSON POST on the loopback API.
    public func post(_ path: String, json body: [UInt8]) throws -> (status: Int, body: Data) {
        let head =
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        return try exchange(Array(head.utf8) + body)
    }

    private func exchange(_ request: some Collection<UInt8>) throws -> (status: Int, body: Data) {
        let request = Array(request)
        guard let fd = FreePort.connectedSocket(port) else { throw TestBrokerError("connect to \(port) failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw TestBrokerError("send failed")
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response.append(contentsOf: buffer[0..<count])
        }
        return try Self.parse(response)
    }

    /// Status and body of an HTTP/1.1 response (identity or chunked).
    static func parse(_ bytes: [UInt8]) throws -> (status: Int, body: Data) {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: separator) else { throw TestBrokerError("no HTTP response") }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first.map(String.init) ?? ""
        let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        var body = Array(bytes[end.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") {
            var decoded: [UInt8] = []
            var rest = body[...]
            while let lineEnd = rest.firstRange(of: [13, 10]) {
                let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16) ?? 0
                if size == 0 { break }
                let start = lineEnd.upperBound
                guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
                decoded.append(contentsOf: rest[start..<rest.index(start, offsetBy: size)])
                rest =
                    rest[rest.index(start, offsetBy: min(size + 2, rest.distance(from: start, to: rest.endIndex)))...]
            }
            body = decoded
        }
        return (status, Data(body))
    }
}
