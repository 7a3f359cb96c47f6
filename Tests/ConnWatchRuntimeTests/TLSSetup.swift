import ConnWatchRuntime
import ConnWatchTestSupport
import Foundation

/// A real Mosquitto with four TLS listeners: mutual TLS (client certificates from the test CA
/// required), plain server TLS, a certificate for a wrong name and an expired certificate.
final class TLSSetup {
    let directory: TemporaryDirectory
    let pki: TestPKI
    let broker: TestBroker
    let mutualTLSPort: Int
    let plainTLSPort: Int
    let wrongNamePort: Int
    let expiredPort: Int

    init() throws {
        directory = try TemporaryDirectory()
        pki = try TestPKI(in: directory.path)
        let pki = self.pki
        func listener(_ port: Int, _ pair: (certificate: String, key: String), requireClient: Bool = false) -> String {
            var text = "listener \(port) 127.0.0.1\ncertfile \(pair.certificate)\nkeyfile \(pair.key)\n"
            if requireClient { text += "cafile \(pki.caFile)\nrequire_certificate true\n" }
            return text
        }
        // A port found free can be taken by a test running alongside before Mosquitto binds it;
        // Mosquitto then stops. Such a start is tried again on other ports.
        var attempt = 0
        while true {
            attempt += 1
            let ports = try (0..<4).map { _ in try FreePort.loopback() }
            let broker = try TestBroker(
                extraConfiguration: listener(ports[0], pki.server, requireClient: true)
                    + listener(ports[1], pki.server) + listener(ports[2], pki.wrongName)
                    + listener(ports[3], pki.expired)
            )
            // The broker answers on its first port before it opens the others.
            let deadline = Date().addingTimeInterval(10)
            while !ports.allSatisfy(FreePort.accepts) && broker.isRunning && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.02)
            }
            if ports.allSatisfy(FreePort.accepts) || attempt == 3 {
                self.broker = broker
                (mutualTLSPort, plainTLSPort, wrongNamePort, expiredPort) = (ports[0], ports[1], ports[2], ports[3])
                return
            }
            broker.stop()
        }
    }

    deinit {
        broker.stop()
        directory.remove()
    }

    /// Options for 127.0.0.1:`port` trusting `ca` (default the test CA).
    func options(port: Int, ca: String? = nil, cert: String? = nil, key: String? = nil) -> MQTTClientOptions {
        var options = MQTTClientOptions(host: "127.0.0.1", port: port)
        options.tls = MQTTTLSOptions(caFile: ca ?? pki.caFile, certFile: cert, keyFile: key)
        return options
    }
}
