import ConnWatchTestSupport
import Foundation
import Synchronization
import Testing

/// Several `connwatch run` instances on one real Mosquitto, each notifying one webhook server under
/// its own path, for the tests of a feed spread over instances. Call `stop()` when done.
final class ShardRig: @unchecked Sendable {
    /// The firing alerts the webhook was told of: per request path, the `client_id` of each.
    final class Told: Sendable {
        let firing = Mutex<[(path: String, client: String)]>([])

        func record(_ request: RecordedRequest) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
                return
            }
            let alerts = (object["alerts"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "firing" }
            let clients = alerts.map { ($0["labels"] as? [String: String])?["client_id"] ?? "?" }
            firing.withLock { $0 += clients.map { (request.path, $0) } }
        }

        /// The paths of the notifications that told of `client` firing, one per notification.
        func paths(of client: String) -> [String] {
            firing.withLock { $0.filter { $0.client == client }.map(\.path) }
        }
    }

    let broker: TestBroker
    let hook: TestHTTPServer
    let told = Told()
    private(set) var instances: [DaemonProcess] = []
    private var directories: [TemporaryDirectory] = []

    init() throws {
        broker = try TestBroker()
        hook = try TestHTTPServer()
        hook.setResponder { [told] request in
            told.record(request)
            return .ok
        }
    }

    /// Starts `connwatch run` subscribed to `topic` (Watson IoT format), alerting 1 s after a client
    /// goes offline, notifying the webhook at `/PATH/alerts`; waits until it is connected.
    @discardableResult
    func start(topic: String, path: String, protocolVersion: String = "5") async throws -> DaemonProcess {
        let config = daemonConfig(brokerPort: broker.port, hookURL: "\(hook.url)/\(path)", forDuration: "1s")
            .replacingOccurrences(of: "topic: iot-2/type/+/id/+/mon", with: "topic: \(topic)")
            .replacingOccurrences(of: "  keepalive: 5s", with: "  keepalive: 5s\n  protocol: \(protocolVersion)")
        return try await start(configuration: config)
    }

    /// Starts `connwatch run` with the configuration text `config`; waits until it is connected.
    @discardableResult
    func start(configuration config: String) async throws -> DaemonProcess {
        let dir = try TemporaryDirectory()
        directories.append(dir)
        let instance = try DaemonProcess(config: try dir.write("rules.yaml", config), directory: dir.path)
        instances.append(instance)
        #expect(await instance.waitForLog("broker connected"), "log:\n\(instance.log)")
        return instance
    }

    /// Publishes a Connect and then a Disconnect (keep-alive timeout) of device `id` of type `type`.
    func goOffline(_ id: String, type: String = "sensor") throws {
        for action in ["Connect", "Disconnect"] {
            let status = watsonStatus(id, action, type: type, closeCode: action == "Disconnect" ? 160 : nil)
            try broker.publish(topic: status.topic, payload: status.payload)
        }
    }

    /// The status events an instance's log says it handled, as `client_id Action`.
    func events(_ instance: DaemonProcess) -> [String] {
        instance.log.split(separator: "\n").filter { $0.contains("status event") }.compactMap { line in
            guard let client = line.range(of: "client_id="), let action = line.range(of: "action=") else { return nil }
            let id = line[client.upperBound...].prefix { $0 != " " }
            return "\(id) \(line[action.upperBound...].prefix { $0 != " " })"
        }
    }

    /// The ends of the instances' logs, for a failure message.
    var logs: String { instances.map { String($0.log.suffix(3000)) }.joined(separator: "\n---\n") }

    /// Waits until `condition` holds, at most `timeout`; the condition's last value.
    func wait(_ timeout: Duration = .seconds(30), until condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return condition()
    }

    func stop() {
        for instance in instances { instance.stop() }
        hook.stop()
        broker.stop()
        for directory in directories { directory.remove() }
    }
}
