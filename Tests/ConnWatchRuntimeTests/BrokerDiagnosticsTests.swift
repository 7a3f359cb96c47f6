import ConnWatchCore
import ConnWatchRuntime
import ConnWatchTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Each way a connection to a real Mosquitto can fail yields its own class and a message that names
/// the cause: DNS, TCP, the server certificate (unknown CA, wrong name, expired), the client
/// certificate (missing, rejected), local key and certificate files, MQTT refusals of both protocol
/// versions, and a connection lost after connecting.
@Suite("broker connection diagnostics against a real mosquitto", .serialized, .timeLimit(.minutes(2)))
struct BrokerDiagnosticsTests {
    // MARK: - DNS and TCP

    @Test("a host name that does not resolve: dns, with the resolver's words")
    func dns() async throws {
        let failures = try await failuresOf(MQTTClientOptions(host: "nonexistent.invalid", port: 1883))
        #expect(failures.allSatisfy { $0.failure.kind == .dns })
        #expect(failures.first?.reason.contains("cannot resolve 'nonexistent.invalid'") == true)
    }

    @Test("a port nobody listens on: tcp_refused")
    func tcpRefused() async throws {
        let port = try FreePort.loopback()
        let failures = try await failuresOf(MQTTClientOptions(host: "127.0.0.1", port: port))
        #expect(failures.allSatisfy { $0.failure.kind == .tcpRefused })
        #expect(failures.first?.reason.contains("Connection refused") == true)
    }

    // MARK: - The server certificate

    @Test("a server certificate from a CA not in ca_file: tls_server_unknown_ca")
    func unknownCA() async throws {
        let setup = try TLSSetup()
        let failures = try await failuresOf(setup.options(port: setup.plainTLSPort, ca: setup.pki.otherCAFile))
        #expect(failures.allSatisfy { $0.failure.kind == .tlsUnknownCA }, "\(failures)")
        #expect(failures.first?.reason.contains("unable to get local issuer certificate") == true, "\(failures)")
    }

    @Test("a server certificate for another name: tls_server_name_mismatch")
    func nameMismatch() async throws {
        let setup = try TLSSetup()
        let failures = try await failuresOf(setup.options(port: setup.wrongNamePort))
        #expect(failures.allSatisfy { $0.failure.kind == .tlsNameMismatch }, "\(failures)")
        #expect(failures.first?.reason.contains("'127.0.0.1'") == true, "\(failures)")
    }

    @Test("an expired server certificate: tls_server_expired")
    func expired() async throws {
        let setup = try TLSSetup()
        let failures = try await failuresOf(setup.options(port: setup.expiredPort))
        #expect(failures.allSatisfy { $0.failure.kind == .tlsExpired }, "\(failures)")
        #expect(failures.first?.reason.contains("certificate has expired") == true, "\(failures)")
    }

    // MARK: - The client certificate and the local files

    @Test("the broker requires a client certificate, none is configured: tls_client_certificate_missing")
    func clientCertificateMissing() async throws {
        let setup = try TLSSetup()
        let failures = try await failuresOf(setup.options(port: setup.mutualTLSPort))
        #expect(failures.allSatisfy { $0.failure.kind == .tlsClientCertificateMissing }, "\(failures)")
        #expect(failures.first?.reason.contains("cert_file") == true, "\(failures)")
    }

    @Test("a client certificate from a CA the broker does not trust: tls_client_certificate_rejected")
    func clientCertificateRejected() async throws {
        let setup = try TLSSetup()
        let stranger = setup.pki.strangerClient
        let options = setup.options(port: setup.mutualTLSPort, cert: stranger.certificate, key: stranger.key)
        let failures = try await failuresOf(options)
        #expect(failures.allSatisfy { $0.failure.kind == .tlsClientCertificateRejected }, "\(failures)")
    }

    @Test("the right client certificate connects (the mutual TLS listener works)")
    func clientCertificateAccepted() async throws {
        let setup = try TLSSetup()
        let client = setup.pki.client
        let options = setup.options(port: setup.mutualTLSPort, cert: client.certificate, key: client.key)
        let recorder = try TimedRecorder(options)
        defer { recorder.client.shutdown() }
        #expect(await recorder.waitFor { $0.contains(where: \.isConnected) })
    }

    @Test(
        "local key and certificate files that cannot be used: tls_local_files, naming the file",
        arguments: ["mismatched", "garbage", "directory"]
    )
    func localFiles(problem: String) async throws {
        let setup = try TLSSetup()
        let key =
            switch problem {
            case "mismatched": setup.pki.strangerClient.key
            case "garbage": setup.pki.garbageKey
            default: setup.pki.keyDirectory
            }
        let options = setup.options(port: setup.mutualTLSPort, cert: setup.pki.client.certificate, key: key)
        let failures = try await failuresOf(options)
        #expect(failures.allSatisfy { $0.failure.kind == .tlsLocalFiles }, "\(failures)")
        let expected =
            switch problem {
            case "mismatched": "key_file does not belong to the certificate in cert_file"
            case "garbage": "key_file holds no PEM private key"
            default: "key_file is a directory, not a file"
            }
        #expect(failures.first?.reason.contains(expected) == true, "\(failures)")
        #expect(failures.first?.reason.contains(key) == true, "\(failures)")
    }

    @Test("TLS spoken to the plain port: tls_handshake; plain MQTT to the TLS port: closed before CONNACK")
    func wrongPortForTheProtocol() async throws {
        let setup = try TLSSetup()
        let tlsToPlain = try await failuresOf(setup.options(port: setup.broker.port))
        #expect(tlsToPlain.allSatisfy { $0.failure.kind == .tlsHandshake }, "\(tlsToPlain)")
        #expect(tlsToPlain.first?.reason.contains("does not speak TLS on this port") == true, "\(tlsToPlain)")
        let plainToTLS = try await failuresOf(MQTTClientOptions(host: "127.0.0.1", port: setup.plainTLSPort))
        #expect(plainToTLS.allSatisfy { $0.failure.kind == .closedBeforeConnack }, "\(plainToTLS)")
        #expect(plainToTLS.first?.reason.contains("use mqtts://") == true, "\(plainToTLS)")
    }

    // MARK: - MQTT refusals

    @Test("a wrong password: not authorized, for MQTT 3.1.1 and 5", arguments: [MQTTProtocolVersion.v311, .v5])
    func wrongPassword(version: MQTTProtocolVersion) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pki = try TestPKI(in: directory.path)
        let broker = try TestBroker(allowAnonymous: false, extraConfiguration: "password_file \(pki.passwordFile)")
        var options = MQTTClientOptions(host: "127.0.0.1", port: broker.port, protocolVersion: version)
        options.username = pki.user
        options.password = "wrong"
        let failures = try await failuresOf(options)
        #expect(failures.allSatisfy { $0.failure.kind == .notAuthorized }, "\(failures)")
        #expect(failures.allSatisfy { $0.code == (version == .v5 ? 135 : 5) })
        #expect(!failures.contains { $0.reason.contains("wrong") }, "the password never appears")

        options.password = pki.password
        let accepted = try TimedRecorder(options)
        defer { accepted.client.shutdown() }
        #expect(await accepted.waitFor { $0.contains(where: \.isConnected) })
    }

    @Test(
        "each CONNACK refusal code has its class (a scripted broker answers with it)",
        arguments: [
            (MQTTProtocolVersion.v311, 2, BrokerFailure.Kind.clientIDRejected),
            (.v311, 3, .serverUnavailable), (.v311, 4, .badCredentials), (.v311, 5, .notAuthorized),
            (.v311, 1, .refused), (.v5, 133, .clientIDRejected), (.v5, 136, .serverUnavailable),
            (.v5, 134, .badCredentials), (.v5, 135, .notAuthorized), (.v5, 132, .refused),
        ]
    )
    func connackCodes(version: MQTTProtocolVersion, code: Int, kind: BrokerFailure.Kind) async throws {
        let server = try refusingServer(code: UInt8(code), version: version)
        defer { server.stop() }
        let failures = try await failuresOf(
            MQTTClientOptions(host: "127.0.0.1", port: server.port, protocolVersion: version)
        )
        #expect(failures.allSatisfy { $0.failure.kind == kind && $0.code == code }, "\(failures)")
        #expect(failures.first?.reason.contains("CONNACK \(code)") == true)
    }

    // MARK: - After connecting

    @Test("a broker that goes away: one `lost` report, then jittered attempts; a clean stop reports nothing")
    func lostAndCleanStop() async throws {
        let broker = try TestBroker()
        let recorder = try TimedRecorder(fastOptions(MQTTClientOptions(host: "127.0.0.1", port: broker.port)))
        #expect(await recorder.waitFor { $0.contains(where: \.isConnected) })
        broker.kill()
        #expect(await recorder.waitFor { $0.reports.count >= 3 })
        let reports = recorder.events.reports
        #expect(reports.first?.lost == true)
        #expect(reports.first?.report.failure.kind == .lost)
        #expect(reports.dropFirst().allSatisfy { !$0.lost && $0.report.failure.kind == .tcpRefused })

        try broker.restart()
        #expect(await recorder.waitFor { $0.filter(\.isConnected).count >= 2 })
        let before = recorder.events.count
        recorder.client.shutdown()
        #expect(recorder.events.count == before, "a clean stop reports no failure: \(recorder.events.suffix(2))")
    }

    // MARK: - The network loop

    @Test("an idle connection stays up: the loop wakes in time to send PINGREQ within the keep-alive")
    func idleConnectionKeepsAlive() async throws {
        let broker = try TestBroker()
        let id = "keepalive-\(UInt32.random(in: 0...UInt32.max))"
        let options = MQTTClientOptions(host: "127.0.0.1", port: broker.port, clientID: id, keepAlive: 5)
        let recorder = try TimedRecorder(options)
        defer { recorder.client.shutdown() }
        #expect(await recorder.waitFor { $0.contains(where: \.isConnected) })
        // Mosquitto drops a client silent for 1.5 × keep-alive (7.5 s); wait past that.
        try await Task.sleep(for: .seconds(9))
        #expect(broker.logOccurrences(of: "Received PINGREQ from \(id)") >= 1, "\(broker.logContents())")
        #expect(recorder.events.reports.isEmpty, "\(recorder.events.reports.map(\.report))")
        #expect(recorder.client.isConnected)
    }

    // MARK: - Many open files

    @Test("a socket numbered above select()'s 1024 limit: the client connects, receives and stops")
    func highSocketNumber() async throws {
        // The broker starts before the descriptors are held, and they are let go once the client
        // is connected (its socket keeps its number): Foundation's Process.run() reads past a
        // buffer when the process has about 1,366 descriptors open, so no child is started then.
        let broker = try TestBroker()
        // Just enough descriptors that the client's socket gets a number above FD_SETSIZE (1024).
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        while (held.last ?? 0) < 1_040 {
            let descriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { break }
            held.append(descriptor)
        }
        try #require((held.last ?? 0) >= 1_040, "could not open enough files")
        var options = MQTTClientOptions(host: "127.0.0.1", port: broker.port)
        options.subscriptions = [MQTTSubscription(filter: "high/#", qos: 1)]
        let recorder = try TimedRecorder(fastOptions(options))
        let connected = await recorder.waitFor(timeout: .seconds(5)) { $0.contains(where: \.isConnected) }
        #expect(connected, "\(recorder.events.reports.map(\.report))")
        held.forEach { close($0) }
        held = []
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE"))
        try broker.publish(topic: "high/1", payload: "up")
        #expect(await recorder.waitFor { $0.contains { if case .message = $0.event { true } else { false } } })
        let before = recorder.events.count
        recorder.client.shutdown()
        #expect(recorder.events.count == before)
        #expect(recorder.events.reports.isEmpty, "\(recorder.events.reports.map(\.report))")
    }
}

// MARK: - Helpers

/// Fast retries for tests: windows from 50 ms up to 200 ms.
func fastOptions(_ options: MQTTClientOptions) -> MQTTClientOptions {
    var options = options
    options.reconnectDelayMin = .milliseconds(50)
    options.reconnectDelayMax = .milliseconds(200)
    return options
}

/// Starts a client with fast retries and returns its first `count` failure reports.
func failuresOf(_ options: MQTTClientOptions, count: Int = 2) async throws -> [MQTTConnectFailure] {
    let recorder = try TimedRecorder(fastOptions(options))
    defer { recorder.client.shutdown() }
    let reached = await recorder.waitFor(timeout: .seconds(20)) { $0.reports.count >= count }
    #expect(reached, "only \(recorder.events.reports.count) failure reports")
    let reports = recorder.events.reports.map(\.report)
    if let first = reports.first { print("diagnosis [\(first.failure.kind.rawValue)] \(first.reason)") }
    return reports
}

/// A scripted broker that answers every CONNECT with one CONNACK refusal code.
func refusingServer(code: UInt8, version: MQTTProtocolVersion) throws -> ScriptedServer {
    let reply: [UInt8] = version == .v5 ? [0x20, 0x03, 0x00, code, 0x00] : [0x20, 0x02, 0x00, code]
    return try ScriptedServer { connection in
        var buffer = [UInt8](repeating: 0, count: 512)
        _ = read(connection, &buffer, buffer.count)
        _ = write(connection, reply, reply.count)
        Thread.sleep(forTimeInterval: 0.05)
    }
}
