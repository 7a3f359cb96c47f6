import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import ConnWatchRuntime

/// The Hummingbird face alone: what it answers itself and what it forwards.
@Suite(.serialized, .timeLimit(.minutes(1))) struct APIServerTests {
    /// Runs `body` with a started server (token `t0k`) whose forwarded requests `answer` handles.
    private func withServer(
        answer: @escaping @Sendable (APIRequest, @escaping @Sendable (APIResponse) -> Void) -> Bool,
        run body: (APIServer, APIClient) async throws -> Void
    ) async throws {
        let port = try FreePort.loopback()
        let server = APIServer(
            address: "127.0.0.1",
            port: port,
            token: "t0k",
            logger: Logger(label: "test"),
            forward: answer
        )
        try await server.start()
        let client = APIClient(baseURL: "http://127.0.0.1:\(port)", token: "t0k")
        defer { client.shutdown() }
        try await body(server, client)
        await server.stop()
    }

    /// Sends a request and returns the status and body, whatever the status.
    private func exchange(
        _ port: Int,
        _ method: String,
        _ target: String,
        token: String?,
        body: [UInt8] = []
    )
        async throws -> HTTPResponse
    {
        let http = CurlHTTPClient(workers: 1)
        defer { http.shutdown() }
        var headers: [HTTPHeader] = []
        if let token { headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)")) }
        return try await http.send(
            HTTPRequest(url: "http://127.0.0.1:\(port)\(target)", method: method, headers: headers, body: body)
        )
    }

    @Test func forwardsRequestsAndGuardsWithTheToken() async throws {
        let seen = Mutex<[APIRequest]>([])
        let echo: @Sendable (APIRequest, @escaping @Sendable (APIResponse) -> Void) -> Bool = { request, reply in
            seen.withLock { $0.append(request) }
            reply(.text("echo \(request.method) \(request.path)?\(request.query) \(request.body.count)"))
            return true
        }
        try await withServer(answer: echo) { server, client in
            let body = try await client.send("POST", "/api/v1/silences?x=%20y", body: Array("{}".utf8))
            #expect(String(decoding: body, as: UTF8.self) == "echo POST /api/v1/silences?x=%20y 2")
            let anonymous = try await exchange(server.port, "GET", "/metrics", token: nil)
            #expect(anonymous.status == 401)
            #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(try await exchange(server.port, "GET", "/metrics", token: "t0K").status == 401)
            let healthy = try await exchange(server.port, "GET", "/-/healthy", token: nil)
            #expect(healthy.status == 200)
            // Every response carries the date (RFC 9110 §6.6.1), made per response.
            let stamped = healthy.header("Date").flatMap { Timestamp.parseHTTPDate($0) } ?? 0
            #expect(abs(stamped - Int64(Date().timeIntervalSince1970 * 1000)) < 60_000, "\(healthy.headers)")
            let unknown = try await exchange(server.port, "GET", "/nowhere", token: "t0k")
            #expect(unknown.status == 404)
            let tooBig = try await exchange(
                server.port,
                "POST",
                "/api/v1/silences",
                token: "t0k",
                body: Array(repeating: 0x20, count: 70_000)
            )
            #expect(tooBig.status == 413)
        }
        // Only the authorised, routable, small one reached the daemon's side.
        #expect(seen.withLock { $0.map(\.path) } == ["/api/v1/silences"])
    }

    @Test func stopAnswersWaitingRequestsAnd503WhenTheDaemonIsGone() async throws {
        let neverAnswer: @Sendable (APIRequest, @escaping @Sendable (APIResponse) -> Void) -> Bool = { request, _ in
            request.path != "/-/ready"
        }
        try await withServer(answer: neverAnswer) { server, client in
            // The daemon no longer takes input: 503 at once.
            #expect(try await exchange(server.port, "GET", "/-/ready", token: "t0k").status == 503)
            // Taken but never answered: the stop answers it.
            async let waiting = exchange(server.port, "GET", "/api/v1/alerts", token: "t0k")
            try await Task.sleep(for: .milliseconds(300))
            await server.stop()
            #expect(try await waiting.status == 503)
            _ = client
        }
    }

    @Test func aPortInUseIsATypedError() async throws {
        let occupier = try TestHTTPServer()
        defer { occupier.stop() }
        let server = APIServer(
            address: "127.0.0.1",
            port: occupier.port,
            token: nil,
            logger: Logger(label: "test"),
            forward: { _, _ in false }
        )
        await #expect(throws: APIServerError.self) { try await server.start() }
    }
}
