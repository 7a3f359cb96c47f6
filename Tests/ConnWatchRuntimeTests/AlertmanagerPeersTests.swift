import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import Testing

@testable import ConnWatchRuntime

/// An `alertmanager` receiver with `urls:` posts every notification to every peer of the cluster,
/// each peer with its own outbox queue, so one peer that is down does not hold back the others.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AlertmanagerPeersTests {
    private func config(_ urls: [String]) -> ConnWatchConfig {
        var receiver = ReceiverConfig(name: "am", type: .alertmanager)
        receiver.peerURLs = urls
        receiver.rateLimit = 100
        var config = ConnWatchConfig()
        config.receivers = [receiver]
        return config
    }

    @Test func aReceiverWithPeersResolvesToOneTargetPerPeer() throws {
        let targets = try DeliveryTarget.resolve(
            config(["http://127.0.0.1:9093", "http://127.0.0.1:9094"]),
            configPath: "/tmp/rules.yaml"
        )
        #expect(targets.map(\.name) == ["am[1]", "am[2]"])
        // `GET /api/v1/status` lists a receiver by the same queues its deliveries are counted under.
        let receiver = try #require(config(["http://127.0.0.1:9093", "http://127.0.0.1:9094"]).receivers.first)
        #expect(DeliveryTarget.queueNames(of: receiver) == targets.map(\.name))
        #expect(try DeliveryTarget.queueNames(of: #require(config([]).receivers.first)) == ["am"])
        #expect(targets.map(\.url) == ["http://127.0.0.1:9093", "http://127.0.0.1:9094"])
        #expect(
            targets.map(\.endpoint) == ["http://127.0.0.1:9093/api/v2/alerts", "http://127.0.0.1:9094/api/v2/alerts"]
        )
        #expect(targets.map { $0.entryID("n1") } == ["n1@1", "n1@2"])
        // send-test takes the receiver's first target and sends to each of its peers.
        #expect(targets[0].perPeer.map(\.url) == targets.map(\.url))
        let single = try DeliveryTarget.resolve(config([]), configPath: "/tmp/rules.yaml")
        #expect(single.map { $0.entryID("n1") } == ["n1"])
    }

    @Test func aPeerThatIsDownDoesNotHoldBackTheOther() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let down = try TestHTTPServer()
        let up = try TestHTTPServer()
        let http = CurlHTTPClient(workers: 2, userAgent: "connwatch-test")
        let store = try StateStore(directory: directory.path)
        down.setDefault(ScriptedResponse(status: 503, text: "down"))
        up.setDefault(.ok)
        let delivery = NotificationDelivery(
            targets: try DeliveryTarget.resolve(
                config([down.url, up.url]),
                configPath: directory.path + "/rules.yaml"
            ),
            store: store,
            http: http,
            logger: CapturedLogs().logger,
            externalURL: "http://connwatch.test"
        )
        let alert = Alert(
            labels: LabelSet(["alertname": "device_offline", "client_id": "c1"]),
            annotations: LabelSet(),
            rule: "device_offline",
            state: .firing,
            activeSince: 1_790_000_000_000,
            startsAt: 1_790_000_600_000
        )
        for id in ["n1", "n2"] { try delivery.enqueue([Notification(id: id, receiver: "am", alerts: [alert])]) }
        let delivered = await up.waitForRequests(count: 2, timeout: .seconds(20))
        #expect(delivered.compactMap { $0.header("webhook-id") } == ["n1@2", "n2@2"])
        #expect(delivered.allSatisfy { $0.path == "/api/v2/alerts" })
        // The peer that is down is still being tried with the first; its entries wait their turn.
        let tried = await down.waitForRequests(count: 2, timeout: .seconds(20))
        #expect(tried.compactMap { $0.header("webhook-id") }.allSatisfy { $0 == "n1@1" })
        // The live peer's entries leave the outbox once its answers are recorded, a moment after
        // it saw the requests.
        var pending = try await store.pendingEntries()
        let settled = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < settled, pending.contains(where: { $0.receiver != "am[1]" }) {
            try await Task.sleep(for: .milliseconds(50))
            pending = try await store.pendingEntries()
        }
        #expect(Set(pending.map(\.receiver)) == ["am[1]"], "\(pending.map(\.id))")
        // Back up: it gets both.
        down.setDefault(.ok)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, try await !store.pendingEntries().isEmpty {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await store.pendingEntries().isEmpty)
        #expect(Set(down.requests.compactMap { $0.header("webhook-id") }) == ["n1@1", "n2@1"])
        #expect(up.requests.count == 2)
        await delivery.finish(timeout: .seconds(2))
        http.shutdown()
        down.stop()
        up.stop()
    }
}
