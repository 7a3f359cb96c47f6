import Testing

@testable import ConnWatchCore

private let base = """
    mqtt:
      url: mqtt://127.0.0.1:1883
      subscriptions:
        - topic: iot-2/type/+/id/+/mon
          format: watson-iot

    """

private func load(_ api: String, readable: @escaping (String) -> Bool = { _ in true }) -> Result<APIConfig, ConfigError>
{
    Result { () throws(ConfigError) in
        try ConfigLoader.load(text: base + api, file: "rules.yaml", isReadable: readable).api
    }
}

@Suite struct APIConfigTests {
    @Test func defaultsWhenTheSectionIsMissing() throws {
        let api = try load("").get()
        #expect(api == APIConfig(enabled: true, listen: "127.0.0.1", port: 9467, bearerTokenFile: nil))
        #expect(api.localURL == "http://127.0.0.1:9467")
    }

    @Test func readsEveryKey() throws {
        let api = try load(
            """
            api:
              enabled: false
              listen: 0.0.0.0
              port: 8080
              bearer_token_file: secrets/api-token
            """
        ).get()
        #expect(api == APIConfig(enabled: false, listen: "0.0.0.0", port: 8080, bearerTokenFile: "secrets/api-token"))
        #expect(api.localURL == "http://127.0.0.1:8080")
        #expect(APIConfig(listen: "::1").localURL == "http://[::1]:9467")
    }

    @Test func readsAllowedHosts() throws {
        let api = try load("api:\n  allowed_hosts: [connwatch.example, 'proxy.example:443', '[fe80::1]']\n").get()
        #expect(api.allowedHosts == ["connwatch.example", "proxy.example:443", "[fe80::1]"])
        #expect(try load("api:\n  allowed_hosts: one.example\n").get().allowedHosts == ["one.example"])
        #expect(try load("").get().allowedHosts == [])
        for bad in ["http://connwatch.example", "a b", "host:port", "x.example/path"] {
            switch load("api:\n  allowed_hosts: ['\(bad)']\n") {
            case .success: Issue.record("accepted: \(bad)")
            case .failure(let error):
                #expect(error.problems.contains { $0.description.contains("api.allowed_hosts '\(bad)'") }, "\(error)")
            }
        }
    }

    @Test func problemsArePositioned() {
        let cases: [(String, String)] = [
            ("api:\n  port: 70000\n", "rules.yaml:7:9: api.port must be between 1 and 65535, not 70000"),
            ("api:\n  enabled: maybe\n", "rules.yaml:7:12: api.enabled must be true or false, not 'maybe'"),
            ("api:\n  listen: a b\n", "rules.yaml:7:11: api.listen 'a b' is not an address"),
            ("api:\n  prot: 1\n", "did you mean 'port'"),
            ("api:\n  bearer_token_file: gone\n", "api.bearer_token_file 'gone' cannot be read"),
            ("apj:\n  port: 1\n", "did you mean 'api'"),
        ]
        for (text, expected) in cases {
            switch load(text, readable: { $0 != "gone" }) {
            case .success: Issue.record("accepted: \(text)")
            case .failure(let error):
                let messages = error.problems.map(\.description)
                #expect(messages.contains { $0.contains(expected) }, "\(text): \(messages)")
            }
        }
    }
}

/// Whatever a request carries, the pure query code answers; it never traps.
@Suite struct QueryRobustnessTests {
    @Test func arbitraryRequestsGetAnAnswer() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("azAZ09=&%+-_:/?.,~\"\\{}[]\u{0}\u{7F}éü日\n ")
        let clients = (0..<20).map {
            client("c\($0)", status: $0 % 2 == 0 ? .connected : .disconnected, connected: 1000)
        }
        let paths = [
            "/api/v0002/clientconnectionstates", "/api/v0002/logs/connection", "/api/v1/silences", "/-/reload",
        ]
        for round in 0..<3000 {
            let length = Int.random(in: 0..<60, using: &generator)
            let noise = String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "a" })
            let path = (paths.randomElement(using: &generator) ?? "/") + (round % 3 == 0 ? "/" + noise : "")
            _ = try? APIRoute.resolve(method: ["GET", "POST", "DELETE", "PUT"][round % 4], path: path)
            if let parameters = try? QueryParameters(parsing: noise) {
                if let query = try? ClientStateQuery(parameters) { _ = ClientStateJSON.page(query.run(over: clients)) }
                if let query = try? ConnectionLogQuery(parameters) {
                    _ = query.entries(of: [ConnectionLogEntry(action: .connect, time: 1)])
                }
            }
            let prefixed = ["_bookmark=", "connectionStatus=", "_sort=", "lastConnectedAfter=", "_limit="][round % 5]
            if let parameters = try? QueryParameters(parsing: prefixed + noise) {
                _ = try? ClientStateQuery(parameters).run(over: clients)
            }
            _ = try? SilencesJSON.parse(Array(noise.utf8), newID: "x", now: 0)
            _ = try? SilencesJSON.parse(
                Array(#"{"matchers":[{"name":"a","value":"\#(noise)","isRegex":true}],"endsAt":"\#(noise)"}"#.utf8),
                newID: "x",
                now: 0
            )
            #expect(ClientStateQuery.Bookmark(noise).map { $0.text.isEmpty } != true)
        }
    }
}
