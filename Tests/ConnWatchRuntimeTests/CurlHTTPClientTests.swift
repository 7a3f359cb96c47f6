import ConnWatchTestSupport
import Foundation
import Testing

@testable import ConnWatchRuntime

/// Runs `body` with a fresh server and client and always stops both.
private func withServerAndClient<T>(
    workers: Int = 2,
    _ body: (TestHTTPServer, CurlHTTPClient) async throws -> T
) async throws -> T {
    let server = try TestHTTPServer()
    let client = CurlHTTPClient(workers: workers, userAgent: "connwatch-test")
    defer {
        client.shutdown()
        server.stop()
    }
    return try await body(server, client)
}

/// A loopback port with nothing listening (bound once, then closed).
private func unusedPort() throws -> Int {
    let server = try TestHTTPServer()
    let port = server.port
    server.stop()
    return port
}

/// The outcome of `send` as a `Result`, so tests can inspect typed errors.
private func outcome(_ client: CurlHTTPClient, _ request: HTTPRequest) async -> Result<HTTPResponse, HTTPTransportError>
{
    do {
        return .success(try await client.send(request))
    } catch {
        return .failure(error)
    }
}

@Suite("CurlHTTPClient")
struct CurlHTTPClientTests {
    @Test("POST reaches the server with the exact body and headers")
    func postReachesServer() async throws {
        try await withServerAndClient { server, client in
            let body: [UInt8] = Array(#"{"text":"client ümlaut offline","n":1}"#.utf8) + [0, 255, 10, 13]
            let request = HTTPRequest(
                url: server.url + "/hooks/abc?token=xyz",
                headers: [
                    HTTPHeader(name: "Content-Type", value: "application/json"),
                    HTTPHeader(name: "X-Signature", value: "sha256=deadbeef"),
                ],
                body: body
            )
            let response = try await client.send(request)
            #expect(response.status == 200)
            #expect(response.body == Array("ok".utf8))

            let received = server.requests
            try #require(received.count == 1)
            let first = received[0]
            #expect(first.method == "POST")
            #expect(first.target == "/hooks/abc?token=xyz")
            #expect(first.path == "/hooks/abc")
            #expect(first.body == body)
            #expect(first.header("content-type") == "application/json")
            #expect(first.header("X-Signature") == "sha256=deadbeef")
            #expect(first.header("Content-Length") == String(body.count))
            #expect(first.header("User-Agent") == "connwatch-test")
            #expect(first.header("Expect") == nil)
        }
    }

    @Test("other methods, empty bodies and GET")
    func methods() async throws {
        try await withServerAndClient { server, client in
            _ = try await client.send(HTTPRequest(url: server.url + "/a", method: "PUT", body: Array("x".utf8)))
            _ = try await client.send(HTTPRequest(url: server.url + "/b", method: "GET"))
            _ = try await client.send(HTTPRequest(url: server.url + "/c"))
            let received = server.requests
            try #require(received.count == 3)
            #expect(received.map(\.method) == ["PUT", "GET", "POST"])
            #expect(received[0].bodyText == "x")
            #expect(received[1].body.isEmpty)
            #expect(received[2].body.isEmpty)
            #expect(received[2].header("Content-Length") == "0")
        }
    }

    @Test("status, response headers and body are read back")
    func responseReadBack() async throws {
        try await withServerAndClient { server, client in
            server.enqueue(
                ScriptedResponse(
                    status: 201,
                    headers: [
                        RecordedHeader(name: "X-Request-Id", value: "42"),
                        RecordedHeader(name: "Content-Type", value: "text/plain"),
                    ],
                    text: "created"
                )
            )
            let response = try await client.send(HTTPRequest(url: server.url + "/x", body: Array("{}".utf8)))
            #expect(response.status == 201)
            #expect(response.header("x-request-id") == "42")
            #expect(response.header("CONTENT-TYPE") == "text/plain")
            #expect(response.header("Content-Length") == "7")
            #expect(response.header("Missing") == nil)
            #expect(String(decoding: response.body, as: UTF8.self) == "created")
        }
    }

    @Test("500 and 429 are responses, not errors")
    func errorStatusesAreResponses() async throws {
        try await withServerAndClient { server, client in
            server.enqueue(ScriptedResponse(status: 500, text: "boom"))
            server.enqueue(
                ScriptedResponse(status: 429, headers: [RecordedHeader(name: "Retry-After", value: "7")], text: "")
            )
            let first = try await client.send(HTTPRequest(url: server.url + "/"))
            let second = try await client.send(HTTPRequest(url: server.url + "/"))
            #expect(first.status == 500)
            #expect(String(decoding: first.body, as: UTF8.self) == "boom")
            #expect(second.status == 429)
            #expect(second.header("retry-after") == "7")
        }
    }

    @Test("a body longer than 64 KiB is truncated, the response still returned")
    func bodyIsCapped() async throws {
        try await withServerAndClient { server, client in
            let big = [UInt8](repeating: UInt8(ascii: "a"), count: 200 * 1024)
            server.enqueue(ScriptedResponse(status: 200, body: big))
            let response = try await client.send(HTTPRequest(url: server.url + "/"))
            #expect(response.status == 200)
            #expect(response.body.count == HTTPResponse.maximumBodySize)
        }
    }

    @Test("connection refused is a transport error that hides path, query and credentials")
    func connectionRefused() async throws {
        let port = try unusedPort()
        let client = CurlHTTPClient(workers: 1)
        defer { client.shutdown() }
        let request = HTTPRequest(
            url: "http://user:pa55word@127.0.0.1:\(port)/services/T000/B000/s3cretpath?token=t0ken",
            body: Array("{}".utf8),
            timeout: .seconds(5)
        )
        let result = await outcome(client, request)
        guard case .failure(let error) = result else {
            Issue.record("expected an error, got \(result)")
            return
        }
        #expect(error.code == 7)
        #expect(!error.isTimeout)
        #expect(error.message.contains("http://127.0.0.1:\(port)"))
        for secret in ["s3cretpath", "t0ken", "pa55word", "services", "user:"] {
            #expect(!error.message.contains(secret))
            #expect(!error.description.contains(secret))
        }
    }

    @Test("a server that never answers times out with isTimeout")
    func timeout() async throws {
        try await withServerAndClient { server, client in
            server.setDefault(.neverRespond)
            let start = ContinuousClock.now
            let result = await outcome(client, HTTPRequest(url: server.url + "/slow", timeout: .milliseconds(300)))
            let elapsed = ContinuousClock.now - start
            guard case .failure(let error) = result else {
                Issue.record("expected a timeout, got \(result)")
                return
            }
            #expect(error.isTimeout)
            #expect(error.code == 28)
            #expect(elapsed >= .milliseconds(250))
            #expect(elapsed < .seconds(60), "the 300 ms timeout ended it, not the server")
            #expect(server.requests.count == 1)
        }
    }

    @Test("a connection closed without a response is a transport error")
    func abruptClose() async throws {
        try await withServerAndClient { server, client in
            server.enqueue(.closeConnectionAbruptly)
            let result = await outcome(client, HTTPRequest(url: server.url + "/"))
            guard case .failure(let error) = result else {
                Issue.record("expected an error, got \(result)")
                return
            }
            #expect(error.code == 52)  // CURLE_GOT_NOTHING
            #expect(!error.isTimeout)
            // The server and client keep working afterwards.
            let next = try await client.send(HTTPRequest(url: server.url + "/"))
            #expect(next.status == 200)
        }
    }

    @Test("many concurrent requests from many tasks all complete")
    func concurrentRequests() async throws {
        try await withServerAndClient(workers: 3) { server, client in
            let count = 60
            let statuses = await withTaskGroup(of: Int.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let request = HTTPRequest(url: server.url + "/n/\(index)", body: Array("\(index)".utf8))
                        return (try? await client.send(request).status) ?? -1
                    }
                }
                var all: [Int] = []
                for await status in group { all.append(status) }
                return all
            }
            #expect(statuses.count == count)
            #expect(statuses.allSatisfy { $0 == 200 })
            let bodies = Set(server.requests.map(\.bodyText))
            #expect(bodies == Set((0..<count).map(String.init)))
            #expect(server.acceptedConnections <= 3)
        }
    }

    @Test("sequential requests reuse a few keep-alive connections")
    func connectionReuse() async throws {
        try await withServerAndClient(workers: 2) { server, client in
            for index in 0..<30 {
                let response = try await client.send(HTTPRequest(url: server.url + "/r", body: Array("\(index)".utf8)))
                #expect(response.status == 200)
            }
            #expect(server.requests.count == 30)
            #expect(server.acceptedConnections <= 2)
            #expect(Set(server.requests.map(\.connectionID)).count == server.acceptedConnections)
        }
    }

    @Test("one worker sends every sequential request over a single connection")
    func singleConnectionReuse() async throws {
        try await withServerAndClient(workers: 1) { server, client in
            for _ in 0..<20 {
                _ = try await client.send(HTTPRequest(url: server.url + "/one", body: Array("x".utf8)))
            }
            #expect(server.requests.count == 20)
            #expect(server.acceptedConnections == 1)
        }
    }

    @Test("redirects are returned, not followed")
    func redirectsNotFollowed() async throws {
        try await withServerAndClient { server, client in
            server.enqueue(
                ScriptedResponse(
                    status: 302,
                    headers: [RecordedHeader(name: "Location", value: "/elsewhere")],
                    text: ""
                )
            )
            let response = try await client.send(HTTPRequest(url: server.url + "/start"))
            #expect(response.status == 302)
            #expect(response.header("location") == "/elsewhere")
            #expect(server.requests.map(\.path) == ["/start"])
        }
    }

    @Test("only http and https are allowed", arguments: ["ftp://127.0.0.1/x", "file:///etc/hostname", "gopher://h/"])
    func otherProtocolsRejected(url: String) async {
        let client = CurlHTTPClient(workers: 1)
        defer { client.shutdown() }
        let result = await outcome(client, HTTPRequest(url: url))
        guard case .failure(let error) = result else {
            Issue.record("expected an error, got \(result)")
            return
        }
        #expect(error.code == 1)  // CURLE_UNSUPPORTED_PROTOCOL
    }

    @Test("header injection is rejected before anything is sent")
    func invalidHeader() async throws {
        try await withServerAndClient { server, client in
            let request = HTTPRequest(
                url: server.url + "/",
                headers: [HTTPHeader(name: "X-Test", value: "a\r\nX-Injected: yes")]
            )
            let result = await outcome(client, request)
            guard case .failure(let error) = result else {
                Issue.record("expected an error, got \(result)")
                return
            }
            #expect(error.code == 43)
            #expect(server.requests.isEmpty)
        }
    }

    @Test("cancelling the task aborts a running transfer")
    func cancellation() async throws {
        try await withServerAndClient(workers: 1) { server, client in
            server.setDefault(.neverRespond)
            let task = Task { await outcome(client, HTTPRequest(url: server.url + "/", timeout: .seconds(60))) }
            // The transfer runs once the server has the request (a loaded machine may take a while).
            _ = await server.waitForRequests(count: 1, timeout: .seconds(30))
            let start = ContinuousClock.now
            task.cancel()
            let result = await task.value
            guard case .failure(let error) = result else {
                Issue.record("expected cancellation, got \(result)")
                return
            }
            #expect(error.code == 42)
            #expect(!error.isTimeout)
            #expect(ContinuousClock.now - start < .seconds(30), "well before the 60 s timeout")
        }
    }

    @Test("shutdown fails queued requests and later sends")
    func shutdownFailsQueued() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        server.setDefault(.neverRespond)
        let client = CurlHTTPClient(workers: 1)
        // Long enough that the running transfer cannot time out before shutdown on a loaded machine.
        let request = HTTPRequest(url: server.url + "/", timeout: .seconds(4))
        let tasks = (0..<4).map { _ in Task { await outcome(client, request) } }
        // The worker must have taken the first request before the shutdown, or all four are queued.
        let arrived = await server.waitForRequests(count: 1, timeout: .seconds(30))
        try #require(arrived.count == 1)
        client.shutdown()
        var codes: [Int] = []
        for task in tasks {
            if case .failure(let error) = await task.value { codes.append(error.code) }
        }
        #expect(codes.sorted() == [28, 42, 42, 42])
        let after = await outcome(client, request)
        if case .failure(let error) = after {
            #expect(error.code == 42)
        } else {
            Issue.record("expected an error after shutdown")
        }
        client.shutdown()
    }

    @Test("the test server survives clients that disconnect mid-request")
    func serverSurvivesHalfRequests() async throws {
        try await withServerAndClient { server, client in
            for partial in [
                "POST /x HTTP/1.1\r\nContent-Len", "POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", "garbage",
            ] {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                try #require(fd >= 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = UInt16(server.port).bigEndian
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                try #require(connected == 0)
                _ = Array(partial.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
            }
            let response = try await client.send(HTTPRequest(url: server.url + "/after", body: Array("ok".utf8)))
            #expect(response.status == 200)
            #expect(server.requests.map(\.path) == ["/after"])
            #expect(server.acceptedConnections >= 4)
        }
    }

    @Test("durations become curl milliseconds, never 0")
    func milliseconds() {
        #expect(CurlEasyHandle.milliseconds(.zero) == 1)
        #expect(CurlEasyHandle.milliseconds(.microseconds(1)) == 1)
        #expect(CurlEasyHandle.milliseconds(.milliseconds(1500)) == 1500)
        #expect(CurlEasyHandle.milliseconds(.seconds(-3)) == 1)
        #expect(CurlEasyHandle.milliseconds(.seconds(30)) == 30000)
    }

    @Test("URL redaction keeps scheme and host only")
    func redaction() {
        let redaction = URLRedaction(url: "HTTPS://bob:secret@hooks.example.com:8443/T1/B2/xyz?sig=abc#frag")
        #expect(redaction.origin == "https://hooks.example.com:8443")
        let scrubbed = redaction.scrub("failed for /T1/B2/xyz?sig=abc#frag and sig=abc#frag and bob:secret")
        #expect(!scrubbed.contains("xyz"))
        #expect(!scrubbed.contains("sig=abc"))
        #expect(!scrubbed.contains("secret"))
        #expect(URLRedaction(url: "http://h/").origin == "http://h")
        #expect(URLRedaction(url: "http://h/").secrets.isEmpty)
        #expect(URLRedaction(url: "not a url").origin == "<invalid URL>")
        #expect(URLRedaction(url: "not a url").scrub("x not a url y") == "x [redacted] y")
    }
}
