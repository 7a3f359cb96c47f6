import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command-line tool to completion; throws with its standard error on a non-zero exit status.
public func runTool(_ path: String, _ arguments: [String]) throws {
    let tool = Process()
    tool.executableURL = URL(fileURLWithPath: path)
    tool.arguments = arguments
    let errors = Pipe()
    tool.standardInput = FileHandle.nullDevice
    tool.standardOutput = FileHandle.nullDevice
    tool.standardError = errors
    try tool.runWithUnblockedSignals()
    let output = errors.fileHandleForReading.readDataToEndOfFile()
    try? errors.fileHandleForReading.close()
    _ = tool.waitForExit(timeout: .seconds(60))
    guard (tool.exitStatus ?? -1) == 0 else {
        let text = String(decoding: output, as: UTF8.self)
        throw TestBrokerError("\(path) \(arguments) exited with \(tool.exitStatus ?? -1): \(text)")
    }
}

/// A test certificate authority and a server certificate for 127.0.0.1 it signed, made with `openssl`.
public struct TestCertificates: Sendable {
    /// PEM file of the CA certificate (what clients trust).
    public let caFile: String
    /// PEM server certificate (CN and subjectAltName 127.0.0.1 and localhost).
    public let serverCertificate: String
    /// PEM private key of the server certificate.
    public let serverKey: String

    /// Creates the files in `directory`.
    public init(in directory: String) throws {
        caFile = "\(directory)/ca.pem"
        let caKey = "\(directory)/ca.key"
        serverCertificate = "\(directory)/server.pem"
        serverKey = "\(directory)/server.key"
        let request = "\(directory)/server.csr"
        let extensions = "\(directory)/server.ext"
        let openssl = "/usr/bin/openssl"
        try runTool(
            openssl,
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=connwatch test CA",
                "-keyout", caKey, "-out", caFile,
            ]
        )
        try runTool(
            openssl,
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", serverKey, "-out", request]
        )
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        try runTool(
            openssl,
            [
                "x509", "-req", "-in", request, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial", "-days", "2",
                "-extfile", extensions, "-out", serverCertificate,
            ]
        )
    }
}

/// A long-running MQTT client process (`mosquitto_sub`), e.g. one connected with a Last Will.
public final class TestClientProcess: @unchecked Sendable {
    // @unchecked: `process` is only started in `init` and then only read or signalled.
    private let process = Process()

    /// Starts `mosquitto_sub` against 127.0.0.1:`port` with `arguments` (client id, topics, will options).
    public init(port: Int, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_sub")
        process.arguments = ["-h", "127.0.0.1", "-p", String(port)] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.runWithUnblockedSignals()
    }

    /// `true` while the process runs.
    public var isRunning: Bool { process.isRunning }

    /// Kills the process with SIGKILL (no MQTT DISCONNECT is sent) and waits for it.
    public func kill() {
        if process.isAlive { Glibc.kill(process.processIdentifier, SIGKILL) }
        _ = process.waitForExit(timeout: .seconds(60))
    }

    deinit {
        kill()
    }
}
