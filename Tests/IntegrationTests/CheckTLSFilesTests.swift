import ConnWatchTestSupport
import Foundation
import Testing

/// `connwatch check` reads the TLS files the way the broker connection will: each unusable file is
/// a positioned problem (file:line:column at the key's value) and the exit status is 78.
@Suite struct CheckTLSFilesTests {
    /// A configuration with one `mqtts://` broker; the `tls:` values sit on lines 5–8, column 15/16/14/14.
    private func configuration(caFile: String?, caPath: String? = nil, cert: String?, key: String?) -> String {
        var tls = ""
        tls += caFile.map { "    ca_file: \($0)\n" } ?? "    # no ca_file\n"
        tls += caPath.map { "    ca_path: \($0)\n" } ?? "    # no ca_path\n"
        tls += cert.map { "    cert_file: \($0)\n" } ?? "    # no cert_file\n"
        tls += key.map { "    key_file: \($0)\n" } ?? "    # no key_file\n"
        return """
            mqtt:
              url: mqtts://127.0.0.1:8883
              client_id: check-tls
              tls:
            \(tls)  subscriptions:
                - topic: iot-2/type/+/id/+/mon
                  format: watson-iot
            receivers:
              - name: hook
                type: webhook
                url: http://127.0.0.1:9/alerts
            rules:
              - name: r
                kind: offline
                for: 10m
                receivers: [hook]

            """
    }

    @Test("good files pass")
    func goodFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        let config = try dir.write(
            "rules.yaml",
            configuration(caFile: pki.caFile, caPath: dir.path, cert: pki.client.certificate, key: pki.client.key)
        )
        let result = try runConnWatch(["check", "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test(
        "each unusable file is reported at its key with the reason",
        arguments: [
            "key is a directory", "key is not PEM", "key of another certificate", "certificate expired",
            "ca_path missing", "ca_path is a file", "ca_file is not PEM", "certificate is a directory",
            "key missing",
        ]
    )
    func badFiles(problem: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        var (caFile, caPath, cert, key) = (pki.caFile, String?.none, pki.client.certificate, pki.client.key)
        let expected: String
        switch problem {
        case "key is a directory":
            key = pki.keyDirectory
            expected = ":8:15: key_file '\(key)': is a directory, not a file"
        case "key is not PEM":
            key = pki.garbageKey
            expected = ":8:15: key_file '\(key)': holds no PEM private key"
        case "key of another certificate":
            key = pki.strangerClient.key
            expected = ":8:15: key_file '\(key)': does not belong to the certificate in cert_file '\(cert)'"
        case "certificate expired":
            (cert, key) = pki.expired
            expected = ":7:16: cert_file '\(cert)': the certificate expired on "
        case "ca_path missing":
            caPath = "\(dir.path)/no-such-directory"
            expected = ":6:14: ca_path '\(dir.path)/no-such-directory': No such file or directory"
        case "ca_path is a file":
            caPath = pki.caFile
            expected = ":6:14: ca_path '\(pki.caFile)': is not a directory"
        case "ca_file is not PEM":
            caFile = pki.garbageKey
            expected = ":5:14: ca_file '\(caFile)': holds no PEM certificate"
        case "key missing":
            key = "\(dir.path)/no-such.key"
            expected = ":8:15: key_file '\(key)': No such file or directory"
        default:
            cert = pki.keyDirectory
            expected = ":7:16: cert_file '\(cert)': is a directory, not a file"
        }
        let config = try dir.write("rules.yaml", configuration(caFile: caFile, caPath: caPath, cert: cert, key: key))
        let result = try runConnWatch(["check", "--config", config])
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("\(config)\(expected)"), "\(result.stderr)")
        print("check: \(result.stderr.split(separator: "\n").first ?? "")")
    }

    @Test("run refuses to start with an unusable file: the same positioned line, exit 78, no connection attempt")
    func runRefusesBadFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        let key = pki.keyDirectory
        let text = configuration(caFile: pki.caFile, cert: pki.client.certificate, key: key)
        let config = try dir.write("rules.yaml", text)
        let result = try runConnWatch(["run", "--config", config, "--state-directory", "\(dir.path)/state"])
        print("run: \(result.stderr.split(separator: "\n").first ?? "")")
        #expect(result.status == 78, "\(result.stderr)")
        let expected = "\(config):8:15: key_file '\(key)': is a directory, not a file"
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!result.stderr.contains("broker connect failed"), "\(result.stderr)")
    }

    @Test("a reload to an unusable TLS file is rejected at its key; the running connection stays")
    func reloadRejectsBadFiles() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        let broker = try TestBroker()
        defer { broker.stop() }
        let original = daemonConfig(brokerPort: broker.port, hookURL: "http://127.0.0.1:9")
        let config = try dir.write("rules.yaml", original)
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected", timeout: .seconds(30)), "log:\n\(daemon.log)")

        let tls =
            "  url: mqtts://127.0.0.1:\(broker.port)\n  tls:\n    ca_file: \(pki.caFile)\n"
            + "    cert_file: \(pki.client.certificate)\n    key_file: \(pki.keyDirectory)\n"
        let plain = "  url: mqtt://127.0.0.1:\(broker.port)\n"
        try dir.write("rules.yaml", original.replacingOccurrences(of: plain, with: tls))
        daemon.send(SIGHUP)
        let rejected = await daemon.waitForLog("reload rejected", timeout: .seconds(30))
        #expect(rejected, "log:\n\(daemon.log)")
        let line = daemon.log.split(separator: "\n").first { $0.contains("reload rejected") } ?? ""
        print("reload: \(line)")
        #expect(line.contains("reload rejected, keeping the running configuration: \(config):"), "\(line)")
        #expect(line.contains("key_file '\(pki.keyDirectory)': is a directory, not a file"), "\(line)")
        #expect(!daemon.log.contains("broker connection closed"), "log:\n\(daemon.log)")
        #expect(daemon.stop() == 0)
    }
}
