import CMosquitto
import ConnWatchCore
import ConnWatchRuntime
import ConnWatchTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("MosquittoClient against a real mosquitto", .serialized, .timeLimit(.minutes(1)))
struct MosquittoClientTests {
    // MARK: - Messages

    @Test("connects, subscribes and receives a message with exact topic, bytes and QoS")
    func receivesPublishedMessage() async throws {
        let broker = try TestBroker()
        let (client, recorder) = try makeClient(broker, id: "recv", subscriptions: [.init(filter: "mon/#", qos: 1)])
        defer { client.shutdown() }

        #expect(await recorder.waitUntil { $0.connectedCount >= 1 })
        #expect(client.isConnected)
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from recv"))
        try broker.publish(topic: "mon/device/42", payload: "{\"a\":1}", qos: 1)

        let arrived = await recorder.waitUntil { !$0.messages.isEmpty }
        #expect(arrived)
        let message = try #require(await recorder.snapshot().messages.first)
        #expect(message.topic == "mon/device/42")
        #expect(message.payload == Array("{\"a\":1}".utf8))
        #expect(message.qos == 1)
        #expect(message.retained == false)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(abs(now - message.receivedAt) < 10_000)
    }

    @Test("with a sink, events go to the sink in order and the stream only finishes")
    func sinkReceivesEventsInOrder() async throws {
        let broker = try TestBroker()
        let options = testOptions(broker, id: "sink", subscriptions: [.init(filter: "mon/#", qos: 1)])
        let seen = Mutex<[MQTTEvent]>([])
        let client = try MosquittoClient(options: options) { event in seen.withLock { $0.append(event) } }
        client.start()
        let streamed = Task { () -> Int in
            var count = 0
            for await _ in client.events { count += 1 }
            return count
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !client.isConnected && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from sink"))
        for number in 0..<50 { try broker.publish(topic: "mon/\(number)", payload: "\(number)", qos: 1) }
        while seen.withLock({ $0.count }) < 51 && ContinuousClock.now < deadline + .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
        }
        client.shutdown()
        let events = seen.withLock { $0 }
        guard case .connected = events.first else {
            Issue.record("first event \(String(describing: events.first))")
            return
        }
        let topics = events.compactMap { event -> String? in
            if case .message(let message) = event { return message.topic }
            return nil
        }
        #expect(topics == (0..<50).map { "mon/\($0)" })
        #expect(await streamed.value == 0)
    }

    @Test("a retained message is delivered on subscribe with retained = true")
    func retainedOnSubscribe() async throws {
        let broker = try TestBroker()
        try broker.publish(topic: "status/gw1", payload: "online", retained: true, qos: 1)
        try broker.publish(topic: "status/gone", payload: "offline", retained: true, qos: 1)
        try broker.publishRetainedClear(topic: "status/gone")
        let (client, recorder) = try makeClient(broker, id: "retained", subscriptions: [.init(filter: "status/+")])
        defer { client.shutdown() }

        #expect(await recorder.waitUntil { !$0.messages.isEmpty })
        let message = try #require(await recorder.snapshot().messages.first)
        #expect(message.topic == "status/gw1")
        #expect(message.payload == Array("online".utf8))
        #expect(message.retained)
        // The cleared retained message must not come; give it time to show up if it would.
        try await Task.sleep(for: .milliseconds(300))
        #expect(await recorder.snapshot().messages.map(\.topic) == ["status/gw1"])
    }

    @Test("a binary, non-UTF-8 payload arrives byte for byte")
    func binaryPayload() async throws {
        let broker = try TestBroker()
        let (client, recorder) = try makeClient(broker, id: "binary", subscriptions: [.init(filter: "bin", qos: 0)])
        defer { client.shutdown() }
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from binary"))

        let bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0x80, 0xC3, 0x28, 0x0A, 0x00, 0xED, 0xA0, 0x80]
        try broker.publish(topic: "bin", bytes: bytes, qos: 0)
        #expect(await recorder.waitUntil { !$0.messages.isEmpty })
        let message = try #require(await recorder.snapshot().messages.first)
        #expect(message.payload == bytes)
        #expect(message.qos == 0)
    }

    // MARK: - Reconnecting

    @Test("a broker that is down at start: start() returns at once, the client connects once it is up")
    func brokerDownAtStart() async throws {
        let broker = try TestBroker(startImmediately: false)
        #expect(!broker.isRunning)
        let options = testOptions(broker, id: "late", subscriptions: [.init(filter: "late/#")])
        let client = try MosquittoClient(options: options)
        let recorder = EventRecorder(client)
        defer { client.shutdown() }

        let started = ContinuousClock.now
        client.start()
        #expect(ContinuousClock.now - started < .seconds(2), "start() does not wait for the connect")
        #expect(await recorder.waitUntil { $0.connectFailedCount >= 2 })
        #expect(!client.isConnected)

        try broker.start()
        #expect(await recorder.waitUntil(timeout: .seconds(15)) { $0.connectedCount >= 1 })
        #expect(client.isConnected)
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from late"))
        try broker.publish(topic: "late/x", payload: "hello")
        #expect(await recorder.waitUntil { $0.messages.map(\.topic) == ["late/x"] })
    }

    @Test("broker restart → disconnected, connected again, resubscribed", arguments: [false, true])
    func brokerRestart(killHard: Bool) async throws {
        let broker = try TestBroker()
        let id = killHard ? "restart-kill" : "restart-stop"
        // A clean session, so only the client's own resubscription can bring messages after the restart.
        let (client, recorder) = try makeClient(
            broker,
            id: id,
            cleanSession: true,
            subscriptions: [.init(filter: "r/#", qos: 1)]
        )
        defer { client.shutdown() }
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from \(id)"))

        if killHard { broker.kill() } else { broker.stop() }
        #expect(await recorder.waitUntil { $0.disconnectedCount >= 1 })
        #expect(!client.isConnected)

        try broker.restart()
        #expect(await recorder.waitUntil(timeout: .seconds(20)) { $0.connectedCount >= 2 })
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from \(id)", count: 2))
        try broker.publish(topic: "r/after", payload: "after restart")
        #expect(await recorder.waitUntil { $0.messages.map(\.topic) == ["r/after"] })
        let kinds = await recorder.snapshot().map(\.kind)
        let firstDisconnect = try #require(kinds.firstIndex(of: "disconnected"))
        #expect(kinds.prefix(firstDisconnect).contains("connected"))
        #expect(kinds.suffix(from: firstDisconnect).contains("connected"))
    }

    @Test(
        "persistent session: QoS 1 messages published while the client is away arrive",
        arguments: [
            MQTTProtocolVersion.v311, .v5,
        ]
    )
    func persistentSession(version: MQTTProtocolVersion) async throws {
        let broker = try TestBroker()
        let id = version == .v5 ? "persist-v5" : "persist-v311"
        let subscriptions = [MQTTSubscription(filter: "p/#", qos: 1)]

        let (first, firstRecorder) = try makeClient(broker, id: id, version: version, subscriptions: subscriptions)
        #expect(await firstRecorder.waitUntil { $0.connectedCount >= 1 })
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from \(id)"))
        first.shutdown()
        #expect(await firstRecorder.waitUntilFinished())

        let sent = (1...5).map { "message \($0)" }
        for (index, payload) in sent.enumerated() {
            try broker.publish(topic: "p/\(index)", payload: payload, qos: 1)
        }

        let (second, secondRecorder) = try makeClient(broker, id: id, version: version, subscriptions: subscriptions)
        defer { second.shutdown() }
        #expect(await secondRecorder.waitUntil { $0.messages.count >= sent.count })
        let events = await secondRecorder.snapshot()
        #expect(events.messages.map { String(decoding: $0.payload, as: UTF8.self) } == sent)
        #expect(events.messages.allSatisfy { $0.qos == 1 && !$0.retained })
        guard case .connected(let sessionPresent) = events.first else {
            Issue.record("first event is not .connected: \(events)")
            return
        }
        #expect(sessionPresent)
    }

    // MARK: - Failures and the supervisor

    @Test("a host name that does not resolve: start() does not block, the client keeps retrying")
    func unresolvableHost() async throws {
        var options = MQTTClientOptions(host: "nonexistent.invalid", port: 1883, clientID: "dns")
        options.reconnectDelayMin = .milliseconds(50)
        options.reconnectDelayMax = .milliseconds(200)
        let client = try MosquittoClient(options: options)
        let recorder = EventRecorder(client)
        let started = ContinuousClock.now
        client.start()
        #expect(ContinuousClock.now - started < .seconds(2), "start() does not wait for the connect")

        #expect(await recorder.waitUntil(timeout: .seconds(20)) { $0.connectFailedCount >= 3 })
        let failures = await recorder.snapshot().connectFailures
        #expect(failures.allSatisfy { $0.code == Int(MOSQ_ERR_EAI.rawValue) })
        #expect(failures.allSatisfy { $0.kind == .dns })
        #expect(failures.first?.reason.contains("cannot resolve 'nonexistent.invalid'") == true)
        #expect(!client.isConnected)

        let stopping = ContinuousClock.now
        client.shutdown()
        #expect(ContinuousClock.now - stopping < .seconds(10))
        #expect(await recorder.waitUntilFinished())
    }

    @Test("MQTT 3.1.1 refusal (not authorised) is reported readably, and retried")
    func refusedV311() async throws {
        let broker = try TestBroker(allowAnonymous: false)
        let (client, recorder) = try makeClient(broker, id: "refused311", version: .v311)
        defer { client.shutdown() }

        #expect(await recorder.waitUntil(timeout: .seconds(15)) { $0.connectFailedCount >= 2 })
        let failures = await recorder.snapshot().connectFailures
        #expect(failures.first?.code == 5)
        #expect(failures.first?.reason.contains("not authorised") == true)
        #expect(failures.allSatisfy { $0.kind == .notAuthorized })
        #expect(await recorder.snapshot().connectedCount == 0)
    }

    @Test("MQTT 5 refusal is reported once per attempt, without a second line, and retried")
    func refusedV5Retried() async throws {
        let broker = try TestBroker(allowAnonymous: false)
        let (client, recorder) = try makeClient(broker, id: "refused5", version: .v5)
        defer { client.shutdown() }

        #expect(await recorder.waitUntil(timeout: .seconds(15)) { $0.connectFailedCount >= 2 })
        let failures = await recorder.snapshot().connectFailures
        #expect(failures.allSatisfy { $0.code == 135 && $0.kind == .notAuthorized })
        #expect(failures.first?.reason.contains("Not authorized") == true)
        #expect(broker.logOccurrences(of: "New client connected from 127.0.0.1") == 0)
        #expect(broker.logOccurrences(of: "Sending CONNACK to 127.0.0.1 (0, 135)") >= 2)
    }

    @Test("a protocol error on an established connection ends the loop; the supervisor reconnects")
    func protocolErrorRestartsLoop() async throws {
        // A misbehaving broker: a valid CONNACK, then an AUTH packet, which an MQTT 3.1.1 client
        // must treat as a protocol error.
        let server = try ScriptedServer { connection in
            var buffer = [UInt8](repeating: 0, count: 512)
            _ = read(connection, &buffer, buffer.count)  // CONNECT
            let connack: [UInt8] = [0x20, 0x02, 0x00, 0x00]
            let auth: [UInt8] = [0xF0, 0x00]
            _ = write(connection, connack, connack.count)
            Thread.sleep(forTimeInterval: 0.1)
            _ = write(connection, auth, auth.count)
            Thread.sleep(forTimeInterval: 0.2)
        }
        defer { server.stop() }
        var options = MQTTClientOptions(host: "127.0.0.1", port: server.port, clientID: "protoerr")
        options.reconnectDelayMin = .milliseconds(100)
        options.reconnectDelayMax = .milliseconds(300)
        let client = try MosquittoClient(options: options)
        let recorder = EventRecorder(client)
        defer { client.shutdown() }
        client.start()

        #expect(await recorder.waitUntil { $0.connectedCount >= 2 })
        let events = await recorder.snapshot()
        #expect(events.losses.first?.failure.kind == .protocolError)
        #expect(events.losses.first?.code == Int(MOSQ_ERR_PROTOCOL.rawValue))
        #expect(server.acceptedCount >= 2)
    }

    // MARK: - TLS

    @Test("TLS: the right CA connects and receives; a wrong CA fails with a TLS error and is retried")
    func tls() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("connwatch-tls-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try makeSelfSignedCertificate(in: directory, name: "server")
        let stranger = try makeSelfSignedCertificate(in: directory, name: "stranger")
        let tlsPort = try FreePort.loopback()
        let broker = try TestBroker(
            extraConfiguration: """
                listener \(tlsPort) 127.0.0.1
                certfile \(server.certificate)
                keyfile \(server.key)
                """
        )

        var options = testOptions(broker, id: "tls-ok", subscriptions: [.init(filter: "secure/#")])
        options.port = tlsPort
        options.tls = MQTTTLSOptions(caFile: server.certificate)
        let client = try MosquittoClient(options: options)
        let recorder = EventRecorder(client)
        defer { client.shutdown() }
        client.start()
        #expect(await recorder.waitUntil { $0.connectedCount >= 1 })
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from tls-ok"))
        try broker.publish(topic: "secure/a", payload: "over tls")
        #expect(await recorder.waitUntil { $0.messages.map(\.payload) == [Array("over tls".utf8)] })

        var wrong = testOptions(broker, id: "tls-wrong")
        wrong.port = tlsPort
        wrong.tls = MQTTTLSOptions(caFile: stranger.certificate)
        let rejected = try MosquittoClient(options: wrong)
        let rejectedRecorder = EventRecorder(rejected)
        defer { rejected.shutdown() }
        rejected.start()
        #expect(await rejectedRecorder.waitUntil(timeout: .seconds(15)) { $0.connectFailedCount >= 2 })
        let failures = await rejectedRecorder.snapshot().connectFailures
        #expect(failures.allSatisfy { $0.kind == .tlsUnknownCA })
        #expect(await rejectedRecorder.snapshot().connectedCount == 0)
    }

    // MARK: - Shutdown and options

    @Test("shutdown disconnects, finishes the stream, and is idempotent")
    func shutdownFinishesStream() async throws {
        let broker = try TestBroker()
        let (client, recorder) = try makeClient(broker, id: "bye")
        #expect(await recorder.waitUntil { $0.connectedCount >= 1 })

        client.shutdown()
        #expect(await recorder.waitUntilFinished())
        #expect(!client.isConnected)
        client.shutdown()
        #expect(await broker.waitForLog(containing: "Client bye disconnected."))
    }

    @Test("shutdown without start finishes the stream")
    func shutdownWithoutStart() async throws {
        let client = try MosquittoClient(options: MQTTClientOptions(host: "127.0.0.1"))
        let recorder = EventRecorder(client)
        client.shutdown()
        #expect(await recorder.waitUntilFinished())
        client.start()
        #expect(await recorder.snapshot().isEmpty)
    }

    @Test("invalid options are rejected with the option's name")
    func invalidOptions() {
        var badQoS = MQTTClientOptions(host: "localhost", subscriptions: [.init(filter: "a", qos: 3)])
        #expect(throws: MQTTClientError.self) { try MosquittoClient(options: badQoS) }
        badQoS.subscriptions = [.init(filter: "a/#/b")]
        do {
            _ = try MosquittoClient(options: badQoS)
            Issue.record("an invalid filter was accepted")
        } catch {
            #expect(error.operation == "subscriptions[0].filter")
        }
        let noID = MQTTClientOptions(host: "localhost", clientID: nil, cleanSession: false)
        #expect(throws: Never.self) { try MosquittoClient(options: noID).shutdown() }
        let badPort = MQTTClientOptions(host: "localhost", port: 70_000)
        #expect(throws: MQTTClientError.self) { try MosquittoClient(options: badPort) }
        #expect(MQTTClientOptions(host: "h", clientID: "x").cleanSession == false)
        #expect(MQTTClientOptions(host: "h").cleanSession == true)
        var later = MQTTClientOptions(host: "h")
        later.clientID = "set-later"
        #expect(later.cleanSession == false)
        later.cleanSession = true
        #expect(later.cleanSession == true)
    }
}

// MARK: - Helpers

private func testOptions(
    _ broker: TestBroker,
    id: String,
    version: MQTTProtocolVersion = .v311,
    cleanSession: Bool? = nil,
    subscriptions: [MQTTSubscription] = []
) -> MQTTClientOptions {
    MQTTClientOptions(
        host: "127.0.0.1",
        port: broker.port,
        clientID: id,
        cleanSession: cleanSession,
        protocolVersion: version,
        subscriptions: subscriptions,
        reconnectDelayMin: .milliseconds(200),
        reconnectDelayMax: .seconds(2)
    )
}

private func makeClient(
    _ broker: TestBroker,
    id: String,
    version: MQTTProtocolVersion = .v311,
    cleanSession: Bool? = nil,
    subscriptions: [MQTTSubscription] = []
) throws -> (MosquittoClient, EventRecorder) {
    let options = testOptions(
        broker,
        id: id,
        version: version,
        cleanSession: cleanSession,
        subscriptions: subscriptions
    )
    let client = try MosquittoClient(options: options)
    let recorder = EventRecorder(client)
    client.start()
    return (client, recorder)
}

/// Creates `NAME.key` and a self-signed `NAME.pem` for 127.0.0.1 with `openssl`.
private func makeSelfSignedCertificate(in directory: URL, name: String) throws -> (certificate: String, key: String) {
    let key = directory.appendingPathComponent("\(name).key").path
    let certificate = directory.appendingPathComponent("\(name).pem").path
    let openssl = Process()
    openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    openssl.arguments = [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
    ]
    openssl.standardOutput = FileHandle.nullDevice
    openssl.standardError = FileHandle.nullDevice
    try openssl.run()
    _ = openssl.waitForExit(timeout: .seconds(60))
    guard (openssl.exitStatus ?? -1) == 0 else {
        throw TestBrokerError("openssl req exited with \(openssl.exitStatus ?? -1)")
    }
    return (certificate, key)
}

/// Collects a client's events in the background so tests can wait for conditions with a timeout.
private final class EventRecorder: Sendable {
    private let store = EventStore()

    init(_ client: MosquittoClient) {
        let events = client.events
        let store = self.store
        Task {
            for await event in events {
                await store.append(event)
            }
            await store.finish()
        }
    }

    func snapshot() async -> [MQTTEvent] {
        await store.events
    }

    /// Polls until `condition` holds for the events so far; `false` after `timeout`.
    func waitUntil(
        timeout: Duration = .seconds(10),
        _ condition: @Sendable ([MQTTEvent]) -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        repeat {
            if condition(await store.events) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        return condition(await store.events)
    }

    func waitUntilFinished(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        repeat {
            if await store.finished { return true }
            try? await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        return await store.finished
    }
}

private actor EventStore {
    var events: [MQTTEvent] = []
    var finished = false

    func append(_ event: MQTTEvent) {
        events.append(event)
    }

    func finish() {
        finished = true
    }
}

extension MQTTEvent {
    fileprivate var kind: String {
        switch self {
        case .connected: "connected"
        case .connectFailed: "connectFailed"
        case .disconnected: "disconnected"
        case .message: "message"
        }
    }
}

extension Array where Element == MQTTEvent {
    fileprivate var messages: [MQTTMessage] {
        compactMap {
            if case .message(let message) = $0 { return message }
            return nil
        }
    }

    fileprivate var connectFailures: [(code: Int, reason: String, kind: BrokerFailure.Kind)] {
        compactMap {
            if case .connectFailed(let report) = $0 { return (report.code, report.reason, report.failure.kind) }
            return nil
        }
    }

    fileprivate var losses: [MQTTConnectFailure] {
        compactMap {
            if case .disconnected(let report) = $0 { return report }
            return nil
        }
    }

    fileprivate var connectedCount: Int { filter { $0.kind == "connected" }.count }
    fileprivate var connectFailedCount: Int { filter { $0.kind == "connectFailed" }.count }
    fileprivate var disconnectedCount: Int { filter { $0.kind == "disconnected" }.count }
}
