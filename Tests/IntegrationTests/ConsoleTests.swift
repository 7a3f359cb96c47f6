import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import Testing

/// The web console served by a real `connwatch run` fed by a real broker: its files and their
/// security headers, the read-only endpoints its pages use, and the pages themselves in headless
/// Chromium (Tests/Browser/console_test.py, through Selenium).
@Suite(.serialized, .timeLimit(.minutes(5))) struct ConsoleTests {
    static let token = "console-t0ken"

    static func fixture() throws -> APIFixture {
        try APIFixture(
            forDuration: "1s",
            apiExtra: "  bearer_token_file: api-token\n",
            files: ["api-token": token + "\n"]
        )
    }

    @Test func filesAreServedWithTheirTypesAndSecurityHeaders() async throws {
        let fixture = try Self.fixture()
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        let expected = [
            ("/", "text/html", "<script src=\"/console.js\""),
            ("/console.js", "text/javascript", "textContent"),
            ("/console.css", "text/css", "prefers-color-scheme: dark"),
        ]
        for (path, type, marker) in expected {
            // No token: the files carry no data, and a browser's navigation cannot send one.
            let answer = try fetchWithHeaders("GET", fixture.base + path)
            #expect(answer.status == 200, "\(path): \(answer.status)")
            #expect(answer.headers["content-type"]?.hasPrefix(type + "; charset=utf-8") == true, "\(path)")
            #expect(answer.body.contains(marker), "\(path)")
            let policy = try #require(answer.headers["content-security-policy"], "\(path)")
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"), "\(policy)")
            #expect(policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"), "\(policy)")
            #expect(answer.headers["x-content-type-options"] == "nosniff", "\(path)")
            #expect(answer.headers["x-frame-options"] == "DENY", "\(path)")
            let head = try fetchWithHeaders("HEAD", fixture.base + path)
            #expect(head.status == 200 && head.body.isEmpty, "\(path)")
            // The API's Host and Origin checks hold for the console's files as for the rest.
            let rebound = try fetchWithHeaders("GET", fixture.base + path, headers: ["Host: evil.example"])
            #expect(rebound.status == 421, "\(path)")
            let foreign = try fetchWithHeaders("GET", fixture.base + path, headers: ["Origin: https://evil.example"])
            #expect(foreign.status == 403, "\(path)")
            #expect(try fetchWithHeaders("POST", fixture.base + path).status == 405, "\(path)")
        }
        // Nothing the page loads comes from elsewhere.
        let page = try fetchWithHeaders("GET", fixture.base + "/").body
        #expect(!page.contains("http:") && !page.contains("https:") && !page.contains("<script>"))
        let script = try fetchWithHeaders("GET", fixture.base + "/console.js").body
        #expect(!script.contains("innerHTML") && !script.contains("eval("))
        #expect(!script.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"))
        // Every figure on the pages comes from routes that need the token.
        for path in ["/api/v1/fleet", "/api/v1/rules", "/api/v1/status", "/api/v0002/clientconnectionstates"] {
            let anonymous = try fetchWithHeaders("GET", fixture.base + path)
            #expect(anonymous.status == 401, "\(path)")
            #expect(anonymous.headers["x-content-type-options"] == "nosniff", "\(path)")
            #expect(try callAPI("GET", fixture.base + path, token: Self.token).status == 200, "\(path)")
        }
        #expect(fixture.daemon.process.isRunning)
    }

    @Test func fleetRulesAndStatusEndpointsCountWhatTheFeedSaid() async throws {
        let fixture = try Self.fixture()
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        for id in ["c1", "c2", "c3"] { try fixture.publish(id, "Connect") }
        try fixture.publish("c3", "Disconnect", closeCode: 160, reason: "The connection timed out")
        try fixture.broker.publish(
            topic: "iot-2/type/gauge/id/g1/mon",
            payload: #"{"Action":"Connect","ClientID":"d:org1:gauge:g1","Protocol":"mqtt4"}"#
        )
        let fleet = try await fixture.poll("/api/v1/fleet", token: Self.token) {
            $0.body.contains(#""total":4"#) && $0.body.contains(#""disconnected":1"#)
        }
        let counts = try #require(try fleet.json() as? [String: Any])
        #expect(counts["clients"] as? [String: Int] == ["total": 4, "connected": 3, "disconnected": 1, "unknown": 0])
        let groups = try #require(counts["groups"] as? [[String: Any]])
        #expect(groups.map { $0["typeId"] as? String } == ["gauge", "sensor"])
        #expect(groups.last?["connected"] as? Int == 2 && groups.last?["disconnected"] as? Int == 1)
        #expect(groups.allSatisfy { $0["broker"] as? String == "test" && $0["clientType"] as? String == "device" })

        let rules = try await fixture.poll("/api/v1/rules", token: Self.token) { $0.body.contains(#""firing":1"#) }
        let rule = try #require((try rules.json() as? [String: [[String: Any]]])?["rules"]?.first)
        #expect(rule["name"] as? String == "sensor_offline" && rule["kind"] as? String == "offline")
        #expect(rule["match"] as? String == "client_type in (device)")
        #expect(rule["durationSeconds"] as? Int == 1)
        #expect(rule["openAlerts"] as? [String: Int] == ["firing": 1, "pending": 0])

        let status = try await fixture.poll("/api/v1/status", token: Self.token) { $0.body.contains("delivered") }
        let body = try #require(try status.json() as? [String: Any])
        #expect((body["reload"] as? [String: Any])?["successful"] as? Bool == true)
        let hook = try #require((body["receivers"] as? [[String: Any]])?.first)
        #expect(hook["name"] as? String == "hook" && hook["type"] as? String == "webhook")
        #expect(hook["sent"] as? Int == 1 && hook["failed"] as? Int == 0)
        #expect((hook["last"] as? [String: Any])?["outcome"] as? String == "delivered", "\(status.body)")
    }

    /// The pages in headless Chromium: what the test published shows, and nothing leaves loopback.
    @Test func pagesShowTheFleetInARealBrowser() async throws {
        let fixture = try Self.fixture()
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        let now = Date()
        func ago(_ minutes: Double) -> Date { now.addingTimeInterval(-minutes * 60) }
        // One client with a known history for the timeline: up 5 h ago, keepalive timeout 3 h ago,
        // up again 2 h ago, network drop 1 h ago.
        let history: [(String, Int?, String?, Date)] = [
            ("Connect", nil, nil, ago(300)),
            ("Disconnect", 162, "The client did not respond to a ping", ago(180)),
            ("Connect", nil, nil, ago(120)),
            ("Disconnect", 160, "The connection timed out", ago(60)),
        ]
        for (action, code, reason, time) in history {
            let status = watsonStatus("tl1", action, closeCode: code, reason: reason, time: time)
            try fixture.broker.publish(topic: status.topic, payload: status.payload)
        }
        // Offline clients, newest last, and connected ones.
        for (index, id) in ["off1", "off2", "off3"].enumerated() {
            let connect = watsonStatus(id, "Connect", time: ago(90))
            try fixture.broker.publish(topic: connect.topic, payload: connect.payload)
            let status = watsonStatus(
                id,
                "Disconnect",
                closeCode: 160,
                reason: "The connection timed out",
                time: ago(Double(30 - index * 10))
            )
            try fixture.broker.publish(topic: status.topic, payload: status.payload)
        }
        // Connected ones, on2 the newer.
        for (index, id) in ["on1", "on2"].enumerated() {
            let connect = watsonStatus(id, "Connect", time: ago(Double(20 - index * 10)))
            try fixture.broker.publish(topic: connect.topic, payload: connect.payload)
        }
        // A hostile client id: markup, quotes and control characters (escaped in the JSON payload).
        let hostile = "d:org1:sensor:x<img src=x id=pwned>\"'<script>window.pwned=1</script>\u{07}\u{1b}"
        let hostileJSON = #"d:org1:sensor:x<img src=x id=pwned>\"'<script>window.pwned=1<\/script>\u0007\u001b"#
        try fixture.broker.publish(
            topic: "iot-2/type/sensor/id/hostile/mon",
            payload: #"{"Action":"Disconnect","ClientID":"\#(hostileJSON)","Protocol":"mqtt4","CloseCode":160,"#
                + #""Reason":"<b>bold</b> \"reason\""}"#
        )
        let alerts = try await fixture.poll("/api/v1/alerts", token: Self.token) { answer in
            ["off1", "off2", "off3", "tl1", "x<img"].allSatisfy { answer.body.contains("sensor:\($0)") }
        }
        try #require(alerts.body.contains("pwned"), "\(alerts.body)")
        let iso = ISO8601DateFormatter()
        let expectations: [String: Any] = [
            "offline": [
                hostile, "d:org1:sensor:off3", "d:org1:sensor:off2", "d:org1:sensor:off1", "d:org1:sensor:tl1",
            ],
            "connected": ["d:org1:sensor:on2", "d:org1:sensor:on1"],
            "broker": "test",
            "timelineClient": "d:org1:sensor:tl1",
            "timeline": history.map { ["action": $0.0, "time": iso.string(from: $0.3), "reason": $0.2 ?? ""] },
            "hostileClient": hostile,
            "silenceClient": "d:org1:sensor:off2",
        ]
        let expectationsPath = try fixture.dir.write(
            "expectations.json",
            String(decoding: try JSONSerialization.data(withJSONObject: expectations), as: UTF8.self)
        )
        let screenshots =
            ProcessInfo.processInfo.environment["CONNWATCH_CONSOLE_SCREENSHOTS"] ?? fixture.dir.path + "/screenshots"
        let output = fixture.dir.path + "/browser.out"
        FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", ConnWatchBinary.packageRoot + "/Tests/Browser/console_test.py", "--base", fixture.base,
            "--token", Self.token, "--expect", expectationsPath, "--screenshots", screenshots,
        ]
        process.standardOutput = handle
        process.standardError = handle
        // The child writes through its own copies and the output is read by path.
        defer { try? handle.close() }
        try process.runWithUnblockedSignals()
        let finished = process.waitForExit(timeout: .seconds(180))
        if !finished { kill(process.processIdentifier, SIGKILL) }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(!text.contains("No module named"), "make deps installs selenium:\n\(text)")
        #expect(finished, "the browser test did not finish within 3 minutes:\n\(text)")
        #expect(process.exitStatus == 0, "the browser test failed:\n\(text)")
        #expect(text.contains("0 failed"), "\(text)")
        #expect(fixture.daemon.process.isRunning, "log:\n\(fixture.daemon.log)")
    }
}

/// One exchange with its response headers (lowercased names), made with curl.
struct HeaderAnswer {
    var status: Int
    var headers: [String: String]
    var body: String
}

func fetchWithHeaders(_ method: String, _ url: String, headers: [String] = []) throws -> HeaderAnswer {
    var arguments = ["-sS", "-g", "--max-time", "20"]
    arguments += method == "HEAD" ? ["-I"] : ["-D", "-", "-o", "-", "-X", method]
    for header in headers { arguments += ["-H", header] }
    let text = try curl(arguments + [url])
    let parts = text.components(separatedBy: "\r\n\r\n")
    let head = parts.first ?? ""
    var answer = HeaderAnswer(status: 0, headers: [:], body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    for (number, line) in head.components(separatedBy: "\r\n").enumerated() {
        if number == 0 {
            answer.status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            answer.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
    return answer
}
