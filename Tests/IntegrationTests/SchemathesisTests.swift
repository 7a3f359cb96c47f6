import ConnWatchTestSupport
import Foundation
import Testing

/// schemathesis (`make deps` installs the pinned version) with `--checks all` against
/// `docs/openapi.yaml` and a real `connwatch run` fed by a real broker, with a bearer token so
/// that the document's `security` holds. A missing schemathesis fails the test; it never skips.
@Suite struct SchemathesisTests {
    /// Examples per operation and the seed: bounded and repeatable (about a minute on two cores).
    static let maxExamples = 25
    static let seed = 20_261_207

    @Test func theDocumentHoldsForEveryGeneratedRequest() async throws {
        let token = "schemathesis-token"
        let fixture = try APIFixture(
            forDuration: "1s",
            apiExtra: "  bearer_token_file: api-token\n",
            files: ["api-token": token + "\n"]
        )
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        // Clients in every state, one over WebSocket, and a firing alert, so answers have content.
        for id in ["s1", "s2", "s3"] { try fixture.publish(id, "Connect") }
        try fixture.broker.publish(
            topic: "iot-2/type/sensor/id/ws1/mon",
            payload: #"{"Action":"Connect","ClientID":"d:org1:sensor:ws1","Protocol":"mqtt4-ws"}"#
        )
        try fixture.publish("s1", "Disconnect", closeCode: 162, reason: "The client did not respond to a ping")
        try fixture.publish("s2", "FailedConnect", closeCode: 181, reason: "User authentication failed")
        _ = try await fixture.poll("/api/v1/alerts", token: token) { $0.body.contains("firing") }

        let root = ConnWatchBinary.packageRoot
        let reports = fixture.dir.path + "/schemathesis-report"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-m", "schemathesis.cli", "--config-file", root + "/docs/schemathesis.toml", "run",
            root + "/docs/openapi.yaml", "--url", fixture.base, "--header", "Authorization: Bearer \(token)",
            "--checks", "all", "--max-examples", "\(Self.maxExamples)", "--seed", "\(Self.seed)", "--workers", "1",
            "--no-shrink", "--request-timeout", "10", "--report-dir", reports, "--no-color",
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: fixture.dir.path)
        let output = try TemporaryFile(in: fixture.dir, named: "schemathesis.out")
        process.standardOutput = output.handle
        process.standardError = output.handle
        // The child writes through its own copies; `contents()` reads the file by path.
        defer { try? output.handle.close() }
        try process.runWithUnblockedSignals()
        let finished = process.waitForExit(timeout: .seconds(300))
        if !finished { kill(process.processIdentifier, SIGKILL) }
        let text = output.contents()
        #expect(
            !text.contains("No module named schemathesis"),
            "python3 lacks schemathesis (make deps installs it with pip)"
        )
        #expect(finished, "schemathesis did not finish within 5 minutes:\n\(text)")
        #expect(process.exitStatus == 0, "schemathesis found problems:\n\(text)")
        #expect(fixture.daemon.process.isRunning, "log:\n\(fixture.daemon.log)")
    }
}

/// A file for a child process's output (a pipe could fill up while the test waits).
private struct TemporaryFile {
    let path: String
    let handle: FileHandle

    init(in directory: TemporaryDirectory, named name: String) throws {
        path = directory.path + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    func contents() -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
