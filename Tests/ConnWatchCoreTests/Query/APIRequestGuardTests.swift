import Testing

@testable import ConnWatchCore

/// The browser defences, without sockets: `Host`, `Origin`, and the content type of state changes.
@Suite struct APIRequestGuardTests {
    let loopback = APIRequestGuard(
        listen: "127.0.0.1",
        port: 9467,
        allowedHosts: ["connwatch.example", "proxy.example:443"]
    )

    func status(_ guarding: APIRequestGuard, host: String? = nil, origin: String? = nil) -> Int? {
        do {
            try guarding.checkSource(APIRequestHeaders(host: host, origin: origin))
            return nil
        } catch {
            return error.status
        }
    }

    @Test func hostMustNameThisAPI() {
        for good in [
            "127.0.0.1:9467", "127.0.0.1", "localhost:9467", "LOCALHOST:9467", "localhost.:9467",
            "connwatch.example:9467",
            "connwatch.example", "proxy.example:443", "proxy.example",
        ] {
            #expect(status(loopback, host: good) == nil, "\(good)")
        }
        // DNS rebinding: the attacker's own name, on the right port; and names on other ports.
        for bad in [
            "evil.example:9467", "evil.example", "127.0.0.1:9468", "localhost:80", "connwatch.example:8080",
            "proxy.example:9467", "192.168.1.5:9467", "127.0.0.1.evil.example:9467", "", "a b", "[::1]:9467",
            "localhost:9467/x", "http://localhost:9467", "localhost:99999",
        ] {
            #expect(status(loopback, host: bad) == 421, "\(bad)")
        }
        // HTTP/1.0 tools send no Host; browsers always do.
        #expect(status(loopback) == nil)
    }

    @Test func wildcardListenAcceptsAddressLiteralsButNotNames() {
        let everywhere = APIRequestGuard(listen: "0.0.0.0", port: 9467)
        for good in ["192.168.1.5:9467", "10.0.0.1", "[fe80::1]:9467", "[::1]:9467", "localhost:9467"] {
            #expect(status(everywhere, host: good) == nil, "\(good)")
        }
        for bad in ["0.0.0.0.evil.example:9467", "myhost:9467", "192.168.1.5:80", "1.2.3:9467"] {
            #expect(status(everywhere, host: bad) == 421, "\(bad)")
        }
        let v6 = APIRequestGuard(listen: "::1", port: 9467)
        #expect(status(v6, host: "[::1]:9467") == nil)
        #expect(status(v6, host: "127.0.0.1:9467") == 421)
        #expect(APIRequestGuard(listen: "::", port: 1).anyAddress)
        #expect(APIRequestGuard(APIConfig(listen: "[::]", port: 1)).anyAddress)
    }

    @Test func originMustBeTheAPIsOwn() {
        for good in [
            "http://127.0.0.1:9467", "http://localhost:9467", "HTTP://LOCALHOST:9467", "http://connwatch.example:9467",
            "https://proxy.example",
        ] {
            #expect(status(loopback, host: "127.0.0.1:9467", origin: good) == nil, "\(good)")
        }
        for bad in [
            "https://evil.example", "http://localhost:3000", "http://localhost", "http://127.0.0.1", "null", "",
            "file://", "http://connwatch.example", "https://127.0.0.1:9467/path", "chrome-extension://abc",
        ] {
            #expect(status(loopback, host: "127.0.0.1:9467", origin: bad) == 403, "\(bad)")
        }
    }

    func contentTypeStatus(_ method: String, _ path: String, type: String?, body: String = "") -> Int? {
        do {
            let request = APIRequest(
                method: method,
                path: path,
                body: Array(body.utf8),
                headers: APIRequestHeaders(contentType: type)
            )
            try APIRequestGuard.checkContentType(request, route: try APIRoute.resolve(method: method, path: path))
            return nil
        } catch {
            return error.status
        }
    }

    @Test func stateChangesMustBeJSON() {
        let silence = #"{"matchers":[]}"#
        // Cross-site requests a page can send without a CORS preflight.
        #expect(contentTypeStatus("POST", "/api/v1/silences", type: "text/plain", body: silence) == 415)
        #expect(contentTypeStatus("POST", "/api/v1/silences", type: "text/plain;charset=UTF-8", body: silence) == 415)
        #expect(
            contentTypeStatus("POST", "/api/v1/silences", type: "application/x-www-form-urlencoded", body: "a=b") == 415
        )
        #expect(contentTypeStatus("POST", "/api/v1/silences", type: "multipart/form-data; boundary=x", body: "") == 415)
        #expect(contentTypeStatus("POST", "/api/v1/silences", type: nil, body: silence) == 415)
        #expect(contentTypeStatus("POST", "/api/v1/silences", type: "application/jsonx", body: silence) == 415)
        #expect(contentTypeStatus("POST", "/-/reload", type: "text/plain") == 415)
        #expect(contentTypeStatus("POST", "/-/reload", type: nil, body: "x") == 415)
        #expect(contentTypeStatus("DELETE", "/api/v1/silences/abc", type: "text/plain") == 415)
        // What the CLI and curl send.
        #expect(contentTypeStatus("POST", "/api/v1/silences", type: "application/json", body: silence) == nil)
        #expect(
            contentTypeStatus("POST", "/api/v1/silences", type: "Application/JSON; charset=utf-8", body: silence) == nil
        )
        #expect(contentTypeStatus("POST", "/-/reload", type: nil) == nil)
        #expect(contentTypeStatus("PUT", "/-/reload", type: "application/json") == nil)
        #expect(contentTypeStatus("DELETE", "/api/v1/silences/abc", type: nil) == nil)
        // Reads are not checked.
        #expect(contentTypeStatus("GET", "/api/v1/silences", type: "text/plain") == nil)
    }

    @Test func refusalsAreJSON() throws {
        do {
            try loopback.checkSource(APIRequestHeaders(host: "127.0.0.1:9467", origin: "https://evil.example"))
            Issue.record("a foreign origin passed")
        } catch {
            let body = try #require(try json(error.response) as? [String: String])
            #expect(body["error"]?.contains("https://evil.example") == true)
            #expect(error.response.contentType == "application/json")
        }
    }
}
