import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import Testing

/// A web page in a browser on the host cannot use the token-less API: the cross-site requests it
/// can make without a CORS preflight, and a DNS-rebinding `Host`, are refused by the running daemon.
@Suite(.serialized, .timeLimit(.minutes(3))) struct APISecurityTests {
    @Test func crossSiteSilencesAreRefusedAndCurlStillWorks() async throws {
        let fixture = try APIFixture(forDuration: "1h")
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        let url = fixture.base + "/api/v1/silences"
        let endsAt = Timestamp.formatISO8601(milliseconds: Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000)
        let silence =
            #"{"matchers":[{"name":"rule","value":".*","isRegex":true}],"endsAt":"\#(endsAt)","#
            + #""comment":"cross-site","createdBy":"evil"}"#
        let page = "Origin: https://evil.example"
        let attempts = [
            ("text/plain", try callAPI("POST", url, body: silence, headers: ["Content-Type: text/plain", page])),
            ("text/plain, no Origin", try callAPI("POST", url, body: silence, headers: ["Content-Type: text/plain"])),
            (
                "form",
                try callAPI(
                    "POST",
                    url,
                    body: "matchers=x",
                    headers: ["Content-Type: application/x-www-form-urlencoded", page]
                )
            ),
            ("foreign Origin with JSON", try callAPI("POST", url, body: silence, headers: [page])),
            ("null Origin", try callAPI("POST", url, body: silence, headers: ["Origin: null"])),
            (
                "rebound Host",
                try callAPI("POST", url, body: silence, headers: ["Host: evil.example:\(fixture.apiPort)"])
            ),
            ("reload from a page", try callAPI("POST", fixture.base + "/-/reload", headers: [page])),
        ]
        for (name, answer) in attempts {
            #expect([403, 415, 421].contains(answer.status), "\(name): \(answer.status) \(answer.body)")
            #expect(answer.contentType.hasPrefix("application/json"), "\(name)")
            #expect((try? answer.json() as? [String: Any])?["error"] is String, "\(name): \(answer.body)")
        }
        #expect(attempts.map(\.1.status) == [403, 415, 403, 403, 403, 421, 403])
        // DNS rebinding cannot read client states either.
        let rebound = try callAPI(
            "GET",
            fixture.base + "/api/v0002/clientconnectionstates",
            headers: ["Host: rebind.evil.example:\(fixture.apiPort)"]
        )
        #expect(rebound.status == 421)
        let none = try callAPI("GET", url)
        #expect(none.status == 200 && !none.body.contains("cross-site"), "\(none.body)")

        // curl as documented: no Origin, JSON body; localhost names the API too.
        let created = try callAPI("POST", url, body: silence)
        #expect(created.status == 200, "\(created.body)")
        let listed = try callAPI("GET", "http://localhost:\(fixture.apiPort)/api/v1/silences")
        #expect(listed.status == 200 && listed.body.contains("cross-site"), "\(listed.body)")
        let wrongMethod = try callAPI("PATCH", url)
        #expect(wrongMethod.status == 405)
    }
}
