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
        let (port, server) = try await Self.startedServer(answer: answer)
        let client = APIClient(baseURL: "http://127.0.0.1:\(port)", token: "t0k")
        defer { client.shutdown() }
        try await body(server, client)
        await server.stop()
    }

    /// A server started on a free port. A test running alongside may take the port before the
    /// server binds it: then another port, a few times.
    private static func startedServer(
        answer: @escaping @Sendable (APIRequest, @escaping @Sendable (APIResponse) -> Void) -> Bool
    ) async throws -> (Int, APIServer) {
        func make() throws -> (Int, APIServer) {
            let port = try FreePort.loopback()
            let server = APIServer(
                address: "127.0.0.1",
                port: port,
                token: "t0k",
                logger: Logger(label: "test"),
                forward: answer
            )
            return (port, server)
        }
        for _ in 0..<4 {
            let (port, server) = try make()
            do {
                try await server.start()
                return (port, server)
            } catch {
                guard "\(error)".contains("Address already in use") else { throw error }
            }
        }
        let (port, server) = try make()
        try await server.start()
        return (port, server)
    }

    /// Sends a request and returns the status and body, whatever the status.
    private func exchange(
        _ port: Int,
        _ method: String,
        _ target: String,
        token: String?,
        body: [UInt8] = [],
        headers extra: [String: String] = [:]
    )
        async throws -> HTTPResponse
    {
        let http = CurlHTTPClient(workers: 1)
        defer { http.shutdown() }
        var headers = extra.sorted { $0.key < $1.key }.map { HTTPHeader(name: $0.key, value: $0.value) }
        if let token { headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)")) }
        // The server's handlers run on Swift's cooperative pool (two threads here), which tests
        // running alongside can hold for seconds with blocking waits: a late answer is slow, not
        // wrong, and this test checks answers, not latency.
        return try await http.send(
            HTTPRequest(
                url: "http://127.0.0.1:\(port)\(target)",
                method: method,
                headers: headers,
                body: body,
                timeout: .seconds(60)
            )
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

    typealias Forward = @Sendable (APIRequest, @escaping @Sendable (APIResponse) -> Void) -> Bool

    @Test func crossSiteWritesAndForeignHostsNeverReachTheDaemon() async throws {
        let seen = Mutex<[APIRequest]>([])
        let record: Forward = { request, reply in
            seen.withLock { $0.append(request) }
            reply(.text("echo \(request.method) \(request.path)"))
            return true
        }
        try await withServer(answer: record) { server, client in
            let port = server.port
            let silence = Array(#"{"matchers":[{"name":"client_id","value":"x","isRegex":false}]}"#.utf8)
            // What a page can send cross-site without a CORS preflight: text/plain, a form, no type.
            let plain = try await exchange(
                port,
                "POST",
                "/api/v1/silences",
                token: "t0k",
                body: silence,
                headers: ["Content-Type": "text/plain;charset=UTF-8"]
            )
            #expect(plain.status == 415)
            #expect(plain.header("Content-Type") == "application/json")
            #expect(String(decoding: plain.body, as: UTF8.self).contains(#""error":"#))
            let form = try await exchange(port, "POST", "/api/v1/silences", token: "t0k", body: Array("a=b".utf8))
            #expect(form.status == 415)
            let foreign = try await exchange(
                port,
                "POST",
                "/api/v1/silences",
                token: "t0k",
                body: silence,
                headers: ["Content-Type": "application/json", "Origin": "https://evil.example"]
            )
            #expect(foreign.status == 403)
            let localPage = try await exchange(
                port,
                "POST",
                "/-/reload",
                token: "t0k",
                headers: ["Content-Type": "application/json", "Origin": "http://localhost:3000"]
            )
            #expect(localPage.status == 403)
            // DNS rebinding: the attacker's name in Host, on reads too, before any routing.
            for target in ["/api/v0002/clientconnectionstates", "/-/healthy", "/nowhere"] {
                let rebound = try await exchange(
                    port,
                    "GET",
                    target,
                    token: "t0k",
                    headers: ["Host": "evil.example:\(port)"]
                )
                #expect(rebound.status == 421, "\(target)")
            }
            #expect(seen.withLock { $0.isEmpty })

            // curl-like requests still work: no Origin, JSON, or no body and no type at all.
            let sameOrigin = try await exchange(
                port,
                "POST",
                "/api/v1/silences",
                token: "t0k",
                body: silence,
                headers: ["Content-Type": "application/json", "Origin": "http://127.0.0.1:\(port)"]
            )
            #expect(sameOrigin.status == 200)
            #expect(try await client.send("POST", "/api/v1/silences", body: silence).isEmpty == false)
            #expect(try await client.send("DELETE", "/api/v1/silences/abc").isEmpty == false)
            #expect(try await client.send("POST", "/-/reload").isEmpty == false)
            let named = try await exchange(
                port,
                "GET",
                "/api/v1/alerts",
                token: "t0k",
                headers: ["Host": "localhost:\(port)"]
            )
            #expect(named.status == 200)
        }
        let reached = seen.withLock { $0 }
        #expect(
            reached.map { "\($0.method) \($0.path)" } == [
                "POST /api/v1/silences", "POST /api/v1/silences", "DELETE /api/v1/silences/abc", "POST /-/reload",
                "GET /api/v1/alerts",
            ]
        )
        #expect(reached.first?.headers.contentType == "application/json")
        #expect(reached.first?.headers.origin?.hasPrefix("http://127.0.0.1:") == true)
    }

    @Test func allowOn405AndHeadWhereverGet() async throws {
        let metrics: Forward = { request, reply in
            reply(.text("connwatch_up 1\n", contentType: "text/plain; version=0.0.4"))
            return request.path == "/metrics"
        }
        try await withServer(answer: metrics) { server, _ in
            let wrong = try await exchange(server.port, "DELETE", "/metrics", token: "t0k")
            #expect(wrong.status == 405)
            #expect(wrong.header("Allow") == "GET, HEAD")
            let silences = try await exchange(server.port, "PUT", "/api/v1/silences", token: "t0k")
            #expect(silences.header("Allow") == "GET, HEAD, POST")
            let get = try await exchange(server.port, "GET", "/metrics", token: "t0k")
            let head = try await exchange(server.port, "HEAD", "/metrics", token: "t0k")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("Content-Length") == String(get.body.count))
            #expect(head.header("Content-Type") == "text/plain; version=0.0.4")
            let healthy = try await exchange(server.port, "HEAD", "/-/healthy", token: nil)
            #expect(healthy.status == 200 && healthy.body.isEmpty)
        }
    }

    @Test func stopAnswersWaitingRequestsAnd503WhenTheDaemonIsGone() async throws {
        let taken = Mutex(false)
        let neverAnswer: @Sendable (APIRequest, @escaping @Sendable (APIResponse) -> Void) -> Bool = { request, _ in
            guard request.path != "/-/ready" else { return false }
            taken.withLock { $0 = true }
            return true
        }
        try await withServer(answer: neverAnswer) { server, client in
            // The daemon no longer takes input: 503 at once.
            #expect(try await exchange(server.port, "GET", "/-/ready", token: "t0k").status == 503)
            // Taken but never answered: the stop answers it. The stop waits until the daemon has
            // the request, however long a loaded machine takes to deliver it.
            async let waiting = exchange(server.port, "GET", "/api/v1/alerts", token: "t0k")
            let deadline = ContinuousClock.now + .seconds(8)
            while !taken.withLock({ $0 }) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(taken.withLock { $0 }, "the request reached the daemon")
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
