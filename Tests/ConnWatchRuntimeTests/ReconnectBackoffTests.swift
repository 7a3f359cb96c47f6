import ConnWatchCore
import ConnWatchRuntime
import ConnWatchTestSupport
import Foundation
import Testing

@Suite struct ReconnectBackoffTests {
    @Test("windows double from the minimum up to the cap; every delay is drawn from the whole window")
    func windows() {
        var backoff = ReconnectBackoff(minimum: .milliseconds(100), maximum: .milliseconds(800))
        #expect(
            (1...6).map { backoff.ceiling(attempt: $0) } == [100, 200, 400, 800, 800, 800].map(Duration.milliseconds)
        )
        var random = SeededGenerator(state: 7)
        var delays: [Duration] = []
        for _ in 0..<2000 { delays.append(backoff.nextDelay(using: &random)) }
        #expect(backoff.failures == 2000)
        let capped = delays.dropFirst(3)
        #expect(capped.allSatisfy { $0 >= .zero && $0 <= .milliseconds(800) })
        #expect(capped.min()! < .milliseconds(40), "full jitter reaches the bottom of the window")
        #expect(capped.max()! > .milliseconds(760), "and the top")
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.nextDelay(using: &random) <= .milliseconds(100))
    }
}

/// Attempt intervals measured against a real Mosquitto for each kind of failure loopback can produce
/// (all but a TCP timeout and an unreachable network; the CONNACK codes Mosquitto never sends this
/// client come from a scripted broker): each interval is the delay the client reported (drawn from
/// its window), never libmosquitto's quadratic 1, 4, 9, 16, 25, 30 s sequence, and two clients that
/// fail together do not retry in lockstep.
@Suite("reconnect intervals against a real mosquitto", .serialized, .timeLimit(.minutes(2)))
struct ReconnectIntervalTests {
    /// Windows of 100, 200, 400, 800, 800 … ms.
    static func options(_ options: MQTTClientOptions) -> MQTTClientOptions {
        var options = options
        options.reconnectDelayMin = .milliseconds(100)
        options.reconnectDelayMax = .milliseconds(800)
        return options
    }

    @Test("tcp_refused, not authorized (3.1.1 and 5) and lost: intervals follow the jittered windows")
    func intervalsPerKind() async throws {
        let closedPort = try FreePort.loopback()
        let refusing = try TestBroker(allowAnonymous: false)
        let cases: [(String, MQTTClientOptions)] = [
            ("tcp_refused", MQTTClientOptions(host: "127.0.0.1", port: closedPort)),
            (
                "not_authorized v3.1.1",
                MQTTClientOptions(host: "127.0.0.1", port: refusing.port, protocolVersion: .v311)
            ),
            ("not_authorized v5", MQTTClientOptions(host: "127.0.0.1", port: refusing.port, protocolVersion: .v5)),
        ]
        for (name, options) in cases {
            let recorder = try TimedRecorder(Self.options(options))
            #expect(await recorder.waitFor { $0.reports.count >= 7 }, "\(name)")
            recorder.client.shutdown()
            check(name, recorder.events.reports)
        }

        let broker = try TestBroker()
        let lost = try TimedRecorder(Self.options(MQTTClientOptions(host: "127.0.0.1", port: broker.port)))
        defer { lost.client.shutdown() }
        #expect(await lost.waitFor { $0.contains(where: \.isConnected) })
        broker.kill()
        #expect(await lost.waitFor { $0.reports.count >= 7 })
        check("lost, then tcp_refused", lost.events.reports)
    }

    @Test("DNS, every TLS failure, the wrong port and the other refusals: intervals follow the jittered windows")
    func intervalsForTheOtherKinds() async throws {
        let setup = try TLSSetup()
        let pki = setup.pki
        let stranger = pki.strangerClient
        var cases: [(BrokerFailure.Kind, MQTTClientOptions)] = [
            (.dns, MQTTClientOptions(host: "nonexistent.invalid", port: 1883)),
            (.tlsUnknownCA, setup.options(port: setup.plainTLSPort, ca: pki.otherCAFile)),
            (.tlsNameMismatch, setup.options(port: setup.wrongNamePort)),
            (.tlsExpired, setup.options(port: setup.expiredPort)),
            (.tlsClientCertificateMissing, setup.options(port: setup.mutualTLSPort)),
            (
                .tlsClientCertificateRejected,
                setup.options(port: setup.mutualTLSPort, cert: stranger.certificate, key: stranger.key)
            ),
            (
                .tlsLocalFiles,
                setup.options(port: setup.mutualTLSPort, cert: pki.client.certificate, key: pki.garbageKey)
            ),
            (.tlsHandshake, setup.options(port: setup.broker.port)),
            (.closedBeforeConnack, MQTTClientOptions(host: "127.0.0.1", port: setup.plainTLSPort)),
        ]
        // The refusals Mosquitto does not send to this client come from a scripted broker.
        let refusals: [(BrokerFailure.Kind, UInt8)] = [
            (.clientIDRejected, 2), (.serverUnavailable, 3), (.badCredentials, 4),
        ]
        let servers = try refusals.map { try refusingServer(code: $0.1, version: .v311) }
        defer { servers.forEach { $0.stop() } }
        for ((kind, _), server) in zip(refusals, servers) {
            cases.append((kind, MQTTClientOptions(host: "127.0.0.1", port: server.port)))
        }
        for (kind, options) in cases {
            let recorder = try TimedRecorder(Self.options(options))
            #expect(await recorder.waitFor { $0.reports.count >= 7 }, "\(kind)")
            recorder.client.shutdown()
            let reports = recorder.events.reports
            #expect(reports.allSatisfy { $0.report.failure.kind == kind }, "\(kind): \(reports.map(\.report))")
            check(kind.rawValue, reports)
        }
    }

    /// Each interval between two reports is the delay the first one announced (plus the attempt's
    /// own short duration), inside its window, and the intervals are not a fixed sequence.
    private func check(
        _ name: String,
        _ reports: [(at: ContinuousClock.Instant, report: MQTTConnectFailure, lost: Bool)]
    ) {
        let intervals = zip(reports, reports.dropFirst()).map { $1.at - $0.at }
        let announced = reports.map(\.report.retryIn)
        print("\(name): attempt intervals ms \(intervals.map(Self.milliseconds))")
        for (index, interval) in intervals.enumerated() {
            let delay = announced[index]
            #expect(interval >= delay - .milliseconds(5), "\(name) #\(index): \(interval) < announced \(delay)")
            #expect(interval <= delay + .milliseconds(300), "\(name) #\(index): \(interval) ≫ announced \(delay)")
            let window = ReconnectBackoff(minimum: .milliseconds(100), maximum: .milliseconds(800))
                .ceiling(attempt: reports[index].report.attempt)
            #expect(delay <= window, "\(name) #\(index): \(delay) outside the window \(window)")
        }
        // Drawn, not fixed: whole milliseconds from windows of 100–800 ms repeat now and then (two
        // pairs among ten draws happened), but never most of them.
        #expect(Set(announced.map(Self.milliseconds)).count > announced.count / 2, "\(name): delays are drawn")
        // libmosquitto's own "exponential" backoff would be 100·(n+1)² ms capped at 800: 100, 400, 800, 800 …
        let quadratic = (1...announced.count).map { Duration.milliseconds(min(800, 100 * $0 * $0)) }
        #expect(announced != quadratic)
    }

    @Test("two clients refused together retry at different times")
    func noLockstep() async throws {
        let broker = try TestBroker(allowAnonymous: false)
        let options = Self.options(MQTTClientOptions(host: "127.0.0.1", port: broker.port))
        let clients = try (0..<2).map { _ in try TimedRecorder(options) }
        defer { clients.forEach { $0.client.shutdown() } }
        let (first, second) = (clients[0], clients[1])
        await expectNotInLockstep(first, second, "two clients refused")
    }

    @Test("two clients that lose a broker together (it stops) retry and reconnect at different times")
    func noLockstepAfterALoss() async throws {
        let broker = try TestBroker()
        let options = Self.options(MQTTClientOptions(host: "127.0.0.1", port: broker.port))
        let clients = try (0..<2).map { _ in try TimedRecorder(options) }
        defer { clients.forEach { $0.client.shutdown() } }
        let (first, second) = (clients[0], clients[1])
        #expect(await first.waitFor { $0.contains(where: \.isConnected) })
        #expect(await second.waitFor { $0.contains(where: \.isConnected) })
        broker.kill()
        await expectNotInLockstep(first, second, "two clients after a loss")
        try broker.restart()
        #expect(await first.waitFor { $0.filter(\.isConnected).count >= 2 })
        #expect(await second.waitFor { $0.filter(\.isConnected).count >= 2 })
        let reconnected = [first, second].compactMap { $0.events.last(where: \.isConnected)?.at }
        let apart = abs(Self.milliseconds(reconnected[0] - reconnected[1]))
        print("two clients after a restart: reconnected \(apart) ms apart")
    }

    /// The first six failure reports of two clients that failed together are not at the same times
    /// (the first, the failure they share, may be).
    private func expectNotInLockstep(_ first: TimedRecorder, _ second: TimedRecorder, _ name: String) async {
        #expect(await first.waitFor { $0.reports.count >= 6 })
        #expect(await second.waitFor { $0.reports.count >= 6 })
        let a = first.events.reports.prefix(6).map(\.at)
        let b = second.events.reports.prefix(6).map(\.at)
        let gaps = zip(a, b).map { abs(Self.milliseconds($0 - $1)) }
        print("\(name): attempt time differences ms \(gaps)")
        #expect(gaps.dropFirst().contains { $0 > 20 }, "\(name): attempts in lockstep: \(gaps)")
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
