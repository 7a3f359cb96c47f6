import Foundation

/// Every TLS and password file the broker diagnostics tests need, made with `openssl`, `faketime`
/// and `mosquitto_passwd` in a directory: two CAs, server certificates for the right name, a wrong
/// name and an expired one, client certificates from the trusted and from the other CA, unusable
/// key files and a Mosquitto password file.
public struct TestPKI: Sendable {
    /// The directory holding the files.
    public let directory: String
    /// The CA the broker and the clients trust.
    public let caFile: String
    /// A CA nobody trusts.
    public let otherCAFile: String
    /// Server certificate and key for 127.0.0.1 and localhost, signed by ``caFile``.
    public let server: (certificate: String, key: String)
    /// Server certificate for `wrong.example` only, signed by ``caFile``.
    public let wrongName: (certificate: String, key: String)
    /// Server certificate for 127.0.0.1 that expired in 2020, signed by ``caFile``.
    public let expired: (certificate: String, key: String)
    /// Client certificate signed by ``caFile``.
    public let client: (certificate: String, key: String)
    /// Client certificate signed by ``otherCAFile``.
    public let strangerClient: (certificate: String, key: String)
    /// A file that is not PEM at all.
    public let garbageKey: String
    /// A directory where a key file is expected.
    public let keyDirectory: String
    /// A Mosquitto password file with user ``user`` and password ``password``.
    public let passwordFile: String
    public let user = "cw-user"
    public let password = "cw-secret"

    /// Creates the files in `directory` (which must exist).
    public init(in directory: String) throws {
        self.directory = directory
        caFile = try Self.makeCA(directory, "ca")
        otherCAFile = try Self.makeCA(directory, "other-ca")
        server = try Self.issue(directory, "server", cn: "127.0.0.1", san: "IP:127.0.0.1,DNS:localhost", ca: "ca")
        wrongName = try Self.issue(directory, "wrong-name", cn: "wrong.example", san: "DNS:wrong.example", ca: "ca")
        expired = try Self.issue(directory, "expired", cn: "127.0.0.1", san: "IP:127.0.0.1", ca: "ca", expired: true)
        client = try Self.issue(directory, "client", cn: "cw-client", san: nil, ca: "ca")
        strangerClient = try Self.issue(directory, "stranger-client", cn: "cw-stranger", san: nil, ca: "other-ca")
        garbageKey = "\(directory)/garbage.key"
        try "this is not a key\n".write(toFile: garbageKey, atomically: true, encoding: .utf8)
        keyDirectory = "\(directory)/key-directory"
        try FileManager.default.createDirectory(atPath: keyDirectory, withIntermediateDirectories: true)
        passwordFile = "\(directory)/passwd"
        try runTool("/usr/bin/mosquitto_passwd", ["-b", "-c", passwordFile, user, password])
    }

    private static let openssl = "/usr/bin/openssl"
    private static let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    private static func makeCA(_ directory: String, _ name: String) throws -> String {
        let file = "\(directory)/\(name).pem"
        try runTool(
            openssl,
            ["req", "-x509"] + curve + [
                "-days", "2", "-subj", "/CN=connwatch test \(name)", "-keyout", "\(directory)/\(name).key", "-out",
                file,
            ]
        )
        return file
    }

    private static func issue(
        _ directory: String,
        _ name: String,
        cn: String,
        san: String?,
        ca: String,
        expired: Bool = false
    ) throws -> (certificate: String, key: String) {
        let key = "\(directory)/\(name).key"
        let certificate = "\(directory)/\(name).pem"
        let request = "\(directory)/\(name).csr"
        try runTool(openssl, ["req"] + curve + ["-subj", "/CN=\(cn)", "-keyout", key, "-out", request])
        var arguments = [
            "x509", "-req", "-in", request, "-CA", "\(directory)/\(ca).pem", "-CAkey", "\(directory)/\(ca).key",
            "-CAcreateserial", "-days", expired ? "1" : "2", "-out", certificate,
        ]
        if let san {
            let extensions = "\(directory)/\(name).ext"
            try "subjectAltName=\(san)\n".write(toFile: extensions, atomically: true, encoding: .utf8)
            arguments += ["-extfile", extensions]
        }
        if expired {
            // Signed "in 2020" for one day: expired ever since.
            try runTool("/usr/bin/faketime", ["2020-01-01 00:00:00", openssl] + arguments)
        } else {
            try runTool(openssl, arguments)
        }
        return (certificate, key)
    }
}
