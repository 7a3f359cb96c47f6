import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import ConnWatchRuntime

/// Keeps log records so tests can check what was logged (and that no secret was).
final class CapturedLogs: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
        var text: String { "\(message) \(metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })" }
    }

    let records = Mutex<[Record]>([])

    var all: [Record] { records.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(logs: self) }
    }

    struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let record = Record(
                level: event.level,
                message: "\(event.message)",
                metadata: merged.mapValues { "\($0)" }
            )
            logs.records.withLock { $0.append(record) }
        }
    }
}

private func alert(_ client: String, state: AlertState = .firing, summary: String? = nil) -> Alert {
    var labels = LabelSet(["alertname": "device_offline", "severity": "warning"])
    labels["client_id"] = client
    return Alert(
        labels: labels,
        annotations: LabelSet(["summary": summary ?? "\(client) offline for 10m"]),
        rule: "device_offline",
        state: state,
        activeSince: 1_790_000_000_000,
        startsAt: 1_790_000_600_000,
        endsAt: state == .resolved ? 1_790_000_900_000 : nil
    )
}

/// A delivery over a fresh outbox and HTTP client against `server`; stopped by `close`.
private struct Harness {
    let directory: TemporaryDirectory
    let server: TestHTTPServer
    let http: CurlHTTPClient
    let logs = CapturedLogs()
    var delivery: NotificationDelivery
    let store: StateStore

    init(
        type: ReceiverType,
        path: String = "/hooks/T000/B000/s3cr3tt0ken",
        directory: TemporaryDirectory? = nil,
        configure: (inout ReceiverConfig, inout DeliveryTarget) -> Void = { _, _ in }
    ) throws {
        self.directory = try directory ?? TemporaryDirectory()
        server = try TestHTTPServer()
        http = CurlHTTPClient(workers: 2, userAgent: "connwatch-test")
        store = try StateStore(directory: self.directory.path)
        var receiver = ReceiverConfig(name: "r", type: type, url: server.url + path)
        receiver.maxRetryDuration = 120_000
        var target = DeliveryTarget(receiver: receiver, url: server.url + path, routingKey: "R0UT1NGKEY")
        configure(&receiver, &target)
        target.receiver = receiver
        delivery = NotificationDelivery(
            targets: [target],
            store: store,
            http: http,
            logger: logs.logger,
            externalURL: "http://connwatch.test"
        )
    }

    func send(_ alerts: [Alert], id: String = "n1") throws {
        try delivery.enqueue([Notification(id: id, receiver: "r", alerts: alerts)])
    }

    /// Waits until what was enqueued is delivered (or dropped).
    func settle() async throws {
        try await waitUntilEmpty(store)
    }

    func close() async {
        await delivery.finish(timeout: .seconds(2))
        http.shutdown()
        server.stop()
    }
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct NotificationDeliveryTests {
    /// Every receiver type against a fake that speaks its platform's contract, with a hostile
    /// client id, an oversized text and more alerts than fit.
    @Test(arguments: ReceiverType.allCases)
    func everyReceiverTypeIsAcceptedByItsPlatform(type: ReceiverType) async throws {
        let fake = FakePlatformEndpoint(platform: type.rawValue)
        let path = type == .alertmanager ? "" : "/hooks/T000/B000/s3cr3tt0ken"
        let harness = try Harness(type: type, path: path)
        harness.server.setResponder(fake.responder)
        let long = String(repeating: "offline ", count: 6000)
        let alerts = [alert("<!channel> @everyone @channel", summary: long)] + (1..<30).map { alert("c\($0)") }
        try harness.send(alerts)
        let requests = await harness.server.waitForRequests(count: 1, timeout: .seconds(20))
        try #require(requests.count == 1)
        #expect(fake.rejections.isEmpty, "\(fake.rejections)")
        let body = requests[0].bodyText
        if type != .pagerduty { #expect(requests[0].header("webhook-id") == "n1") }
        switch type {
        case .slack:
            #expect(!body.contains("<!channel>"))
            #expect(body.contains("more alerts"))
        case .discord, .mattermost, .rocketchat:
            #expect(!body.contains("@everyone"))
            #expect(!body.contains("@channel"))
            #expect(body.contains(" more"))
        case .teams, .googlechat, .ntfy:
            #expect(body.contains(" more"))
        case .pagerduty:
            #expect(body.contains("\"routing_key\":\"R0UT1NGKEY\""))
            #expect(requests[0].header("webhook-id")?.hasPrefix("n1/") == true)
        case .webhook:
            #expect(body.contains("\"truncatedAlerts\":0"))
        case .alertmanager:
            #expect(requests[0].path == "/api/v2/alerts")
        }
        try await harness.settle()
        #expect(!harness.logs.all.contains { $0.text.contains("s3cr3tt0ken") })
        await harness.close()
    }

    /// PagerDuty gets one Events v2 event per alert of a group, each with the alert's own
    /// `dedup_key`, so every alert triggers and later resolves an incident of its own.
    @Test func pagerDutyGetsOneEventPerAlertOfAGroup() async throws {
        let fake = FakePlatformEndpoint(platform: "pagerduty")
        let harness = try Harness(type: .pagerduty) { receiver, _ in receiver.rateLimit = 200 }
        harness.server.setResponder(fake.responder)
        let firing = (0..<40).map { alert("pump-\($0)") }
        try harness.send(firing, id: "g1")
        try harness.send(
            firing.map {
                var resolved = $0
                resolved.state = .resolved
                return resolved
            },
            id: "g2"
        )
        let requests = await harness.server.waitForRequests(count: 80, timeout: .seconds(60))
        try #require(requests.count == 80)
        #expect(fake.rejections.isEmpty, "\(fake.rejections)")
        func events(_ action: String) throws -> [String: String] {
            var result: [String: String] = [:]
            for request in requests {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
                )
                guard object["event_action"] as? String == action else { continue }
                let key = try #require(object["dedup_key"] as? String)
                let payload = object["payload"] as? [String: Any]
                result[key] = payload?["component"] as? String ?? ""
            }
            return result
        }
        let triggers = try events("trigger")
        let resolves = try events("resolve")
        #expect(triggers.count == 40)
        #expect(Set(triggers.values) == Set((0..<40).map { "pump-\($0)" }))
        #expect(Set(resolves.keys) == Set(triggers.keys))
        #expect(Set(triggers.keys) == Set(firing.map { "connwatch/\($0.fingerprint)" }))
        let ids = requests.compactMap { $0.header("webhook-id") }
        #expect(Set(ids).count == 80)
        #expect(ids.allSatisfy { $0.hasPrefix("g1/") || $0.hasPrefix("g2/") })
        try await harness.settle()
        await harness.close()
    }

    /// Posts to an Alertmanager that is down are retried only until the alerts they carry would
    /// have ended, counted from when they were made: posts that waited behind the first are dropped, so
    /// the outbox cannot grow with every resend while Alertmanager is away.
    @Test func alertmanagerPostsAreRetriedOnlyUntilTheirAlertsWouldHaveEnded() async throws {
        let harness = try Harness(type: .alertmanager, path: "") { receiver, _ in
            receiver.resendInterval = 1_000  // valid for 4 s
            receiver.rateLimit = 100
        }
        harness.server.setDefault(ScriptedResponse(status: 503, text: "down"))
        let sent = ContinuousClock.now
        for id in ["a1", "a2", "a3"] { try harness.send([alert("c-\(id)")], id: id) }
        try await harness.settle()
        let requests = harness.server.requests
        #expect(Set(requests.compactMap { $0.header("webhook-id") }) == ["a1", "a2", "a3"])
        // Retried one after the other from each one's first attempt, the last would still be
        // tried 12 s after they were made; measured from when they were made, all end by 4 s.
        let last = requests.map { sent.duration(to: $0.arrivedAt) }.max() ?? .zero
        #expect(last < .seconds(6), "last attempt \(last) after the posts were made")
        await harness.close()
    }

    @Test func retryAfterIsHonoured() async throws {
        let harness = try Harness(type: .slack)
        harness.server.enqueue(
            ScriptedResponse(
                status: 429,
                headers: [RecordedHeader(name: "Retry-After", value: "2")],
                text: "rate_limited"
            )
        )
        harness.server.setDefault(.ok)
        try harness.send([alert("s1")])
        let requests = await harness.server.waitForRequests(count: 2, timeout: .seconds(20))
        try #require(requests.count == 2)
        #expect(requests[0].arrivedAt.duration(to: requests[1].arrivedAt) >= .seconds(2))
        #expect(requests[0].header("webhook-id") == requests[1].header("webhook-id"))
        await harness.close()
    }

    @Test func discordRetryAfterInTheBodyIsHonoured() async throws {
        let harness = try Harness(type: .discord)
        harness.server.enqueue(
            ScriptedResponse(
                status: 429,
                headers: [RecordedHeader(name: "Content-Type", value: "application/json")],
                text: #"{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}"#
            )
        )
        harness.server.setResponder(nil)
        harness.server.setDefault(ScriptedResponse(status: 204))
        try harness.send([alert("s1")])
        let requests = await harness.server.waitForRequests(count: 2, timeout: .seconds(20))
        try #require(requests.count == 2)
        #expect(requests[0].arrivedAt.duration(to: requests[1].arrivedAt) >= .milliseconds(1500))
        #expect(requests[1].target.contains("wait=true"))
        await harness.close()
    }

    @Test func discordRateLimitHeadersPauseTheDestination() async throws {
        let harness = try Harness(type: .discord)  // 5 requests per second unless the headers say otherwise
        harness.server.enqueue(
            ScriptedResponse(
                status: 204,
                headers: [
                    RecordedHeader(name: "X-RateLimit-Limit", value: "5"),
                    RecordedHeader(name: "X-RateLimit-Remaining", value: "0"),
                    RecordedHeader(name: "X-RateLimit-Reset-After", value: "1.5"),
                ]
            )
        )
        harness.server.setDefault(ScriptedResponse(status: 204))
        try harness.send([alert("s1")], id: "a")
        try harness.send([alert("s2")], id: "b")
        let requests = await harness.server.waitForRequests(count: 2, timeout: .seconds(20))
        try #require(requests.count == 2)
        #expect(requests[0].arrivedAt.duration(to: requests[1].arrivedAt) >= .milliseconds(1500))
        await harness.close()
    }

    @Test func manyNotificationsEnqueuedTogetherAreAllStored() async throws {
        let harness = try Harness(type: .webhook)
        harness.server.setDefault(ScriptedResponse(status: 503, text: "down"))
        for index in 0..<200 { try harness.send([alert("c\(index)")], id: "n\(index)") }
        let pending = try await harness.store.pendingEntries()
        #expect(pending.map(\.id) == (0..<200).map { "n\($0)" })
        await harness.close()
    }

    @Test func serverErrorIsRetried() async throws {
        let harness = try Harness(type: .webhook)
        harness.server.enqueue(ScriptedResponse(status: 500, text: "boom"))
        harness.server.setDefault(.ok)
        try harness.send([alert("s1")])
        let requests = await harness.server.waitForRequests(count: 2, timeout: .seconds(20))
        #expect(requests.count == 2)
        try await harness.settle()
        #expect(harness.logs.all.contains { $0.level == .warning && $0.metadata["reason"] == "HTTP 500" })
        await harness.close()
    }

    @Test func aRepeatedFailureIsLoggedAsAWarningOnce() async throws {
        let harness = try Harness(type: .webhook)
        for _ in 0..<3 { harness.server.enqueue(ScriptedResponse(status: 503, text: "down")) }
        harness.server.setDefault(.ok)
        try harness.send([alert("s1")])
        let requests = await harness.server.waitForRequests(count: 4, timeout: .seconds(30))
        #expect(requests.count == 4)
        try await harness.settle()
        let records = harness.logs.all.filter { $0.message.hasPrefix("notification not delivered") }
        #expect(records.count == 3)
        #expect(records.filter { $0.level == .warning }.count == 1)
        #expect(harness.logs.all.contains { $0.level == .info && $0.message == "notification delivered" })
        await harness.close()
    }

    @Test func clientErrorIsNotRetriedAndItsBodyIsLogged() async throws {
        let harness = try Harness(type: .slack)
        harness.server.setDefault(ScriptedResponse(status: 400, text: "invalid_blocks"))
        try harness.send([alert("s1")])
        try await harness.settle()
        try await Task.sleep(for: .seconds(3))
        #expect(harness.server.requests.count == 1)
        let error = harness.logs.all.first { $0.level == .error }
        #expect(error?.metadata["response_body"] == "invalid_blocks")
        #expect(error?.text.contains("s3cr3tt0ken") == false)
        await harness.close()
    }

    @Test func goneDisablesTheReceiver() async throws {
        let harness = try Harness(type: .slack) { receiver, _ in receiver.rateLimit = 100 }
        harness.server.setDefault(ScriptedResponse(status: 410, text: "channel_is_archived"))
        try harness.send([alert("s1")], id: "a")
        try harness.send([alert("s2")], id: "b")
        try await harness.settle()
        #expect(harness.server.requests.count == 1)
        #expect(harness.logs.all.contains { $0.level == .error && $0.message.contains("disabled") })
        await harness.close()
    }

    @Test func tokenBucketSpacesRequests() async throws {
        let harness = try Harness(type: .slack)  // 1 request per second
        harness.server.setDefault(.ok)
        for index in 0..<3 { try harness.send([alert("s\(index)")], id: "n\(index)") }
        let requests = await harness.server.waitForRequests(count: 3, timeout: .seconds(20))
        try #require(requests.count == 3)
        #expect(requests[0].arrivedAt.duration(to: requests[2].arrivedAt) >= .milliseconds(1900))
        await harness.close()
    }

    @Test func standardWebhooksSignatureVerifies() async throws {
        let directory = try TemporaryDirectory()
        let secret = "whsec_" + ByteText.base64(Array("0123456789abcdef0123456789".utf8))
        let harness = try Harness(type: .webhook, directory: directory) { receiver, target in
            receiver.signing = .standard
            target.signer = WebhookSigner(scheme: .standard, secret: secret)
        }
        harness.server.setDefault(.ok)
        try harness.send([alert("s1")])
        let requests = await harness.server.waitForRequests(count: 1, timeout: .seconds(20))
        let request = try #require(requests.first)
        let id = try #require(request.header("webhook-id"))
        let timestamp = try #require(request.header("webhook-timestamp"))
        let signature = try #require(request.header("webhook-signature"))
        let bodyFile = try directory.write("body", "")
        try Data(request.body).write(to: URL(fileURLWithPath: bodyFile))
        // Verified by Python's hmac, an implementation independent of connwatch's.
        let script =
            "import hmac,hashlib,sys,base64;k=base64.b64decode(sys.argv[1][6:]);"
            + "m=(sys.argv[2]+'.'+sys.argv[3]+'.').encode()+open(sys.argv[4],'rb').read();"
            + "print('v1,'+base64.b64encode(hmac.new(k,m,hashlib.sha256).digest()).decode())"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, secret, id, timestamp, bodyFile]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        try? pipe.fileHandleForReading.close()
        _ = process.waitForExit(timeout: .seconds(60))
        #expect(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == signature)
        await harness.close()
        directory.remove()
    }

    /// Endpoint down while 50 alerts fire, then up: every notification arrives exactly once.
    @Test func endpointDownThenUpDeliversEveryNotificationOnce() async throws {
        let harness = try Harness(type: .webhook) { receiver, _ in receiver.rateLimit = 1000 }
        let down = Mutex(true)
        let accepted = Mutex<[String]>([])
        harness.server.setResponder { request in
            if down.withLock({ $0 }) { return ScriptedResponse(status: 503, text: "down") }
            accepted.withLock { $0.append(request.header("webhook-id") ?? "") }
            return .ok
        }
        for index in 0..<50 { try harness.send([alert("c\(index)")], id: "n\(index)") }
        try await Task.sleep(for: .seconds(2))
        #expect(harness.server.requests.count >= 1)
        down.withLock { $0 = false }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, accepted.withLock({ $0.count }) < 50 {
            try await Task.sleep(for: .milliseconds(200))
        }
        try await harness.settle()
        try await Task.sleep(for: .seconds(1))
        await harness.close()
        let ids = accepted.withLock { $0 }
        #expect(ids.count == 50, "\(ids)")
        #expect(Set(ids) == Set((0..<50).map { "n\($0)" }))
        #expect(ids == (0..<50).map { "n\($0)" }, "FIFO order per receiver")
    }

    /// What the outbox holds survives the process: a new delivery over the same state directory sends it.
    @Test func pendingNotificationsSurviveARestart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var first = try Harness(type: .webhook, directory: directory) { receiver, _ in receiver.rateLimit = 1000 }
        first.server.setDefault(ScriptedResponse(status: 503, text: "down"))
        for index in 0..<5 { try first.send([alert("c\(index)")], id: "n\(index)") }
        await first.close()
        #expect(try await first.store.pendingEntries().count == 5)
        first = try Harness(type: .webhook, directory: directory)
        first.server.setDefault(.ok)
        let requests = await first.server.waitForRequests(count: 5, timeout: .seconds(30))
        #expect(Set(requests.compactMap { $0.header("webhook-id") }) == Set((0..<5).map { "n\($0)" }))
        try await first.settle()
        #expect(try first.store.journalMode() == "wal")
        await first.close()
    }
}

private func waitUntilEmpty(_ store: StateStore, timeout: Duration = .seconds(30)) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await store.pendingEntries().isEmpty { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("the outbox did not empty within \(timeout)")
}

/// The fakes must be able to say no, or the acceptance tests above could not fail.
@Suite struct FakePlatformEndpointTests {
    @Test(arguments: ReceiverType.allCases)
    func aPayloadOfTheWrongShapeIsRejectedWithThePlatformsError(type: ReceiverType) async throws {
        let server = try TestHTTPServer()
        let http = CurlHTTPClient(workers: 1, userAgent: "connwatch-test")
        defer {
            http.shutdown()
            server.stop()
        }
        let fake = FakePlatformEndpoint(platform: type.rawValue)
        server.setResponder(fake.responder)
        let path = type == .alertmanager ? "/api/v2/alerts" : "/hook"
        let response = try await http.send(
            HTTPRequest(
                url: server.url + path,
                headers: [HTTPHeader(name: "Content-Type", value: "application/json")],
                body: Array(#"{"nothing": true}"#.utf8)
            )
        )
        #expect((400..<500).contains(response.status))
        #expect(!response.body.isEmpty)
        #expect(fake.rejections.count == 1)
    }
}
