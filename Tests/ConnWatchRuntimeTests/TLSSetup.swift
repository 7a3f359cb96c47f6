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
        let ports = try (0..<4).map { _ in try FreePort.loopback() }
        (mutualTLSPort, plainTLSPort, wrongNamePort, expiredPort) = (ports[0], ports[1], ports[2], ports[3])
        let pki = self.pki
        func listener(_ port: Int, _ pair: (certificate: String, key: String), requireClient: Bool = false) -> String {
            var text = "listener \(port) 127.0.0.1\ncertfile \(pair.certificate)\nkeyfile \(pair.key)\n"
            if requireClient { text += "cafile \(pki.caFile)\nrequire_certificate true\n" }
            return text
        }
        broker = try TestBroker(
            extraConfiguration: listener(mutualTLSPort, pki.server, requireClient: true)
                + listener(plainTLSPort, pki.server) + listener(wrongNamePort, pki.wrongName)
                + listener(expiredPort, pki.expired)
        )
        // The broker answers on its first port before it opens the others.
        let deadline = Date().addingTimeInterval(10)
        while !ports.allSatisfy(FreePort.accepts) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
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
