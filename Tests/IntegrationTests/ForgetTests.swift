import ConnWatchTestSupport
import Foundation
import Testing

/// Forgetting clients against a real broker and a real `connwatch run`: on request (the API's
/// DELETE and `connwatch forget`) and after `forget_after` of silence.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ForgetTests {
    @Test func aDecommissionedClientIsForgottenThroughTheAPIAndTheCLI() async throws {
        let fixture = try APIFixture(forDuration: "1s")
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        try fixture.publish("s1", "Connect")
        try fixture.publish("s2", "Disconnect", closeCode: 160, reason: "The connection timed out")
        #expect(await fixture.hook.waitForRequests(count: 1, timeout: .seconds(15)).count == 1)
        let path = "/api/v0002/clientconnectionstates"

        let deleted = try callAPI("DELETE", fixture.base + path + "/d:org1:sensor:s2")
        #expect(deleted.status == 200, "\(deleted.body)")
        let answer = try #require(try deleted.json() as? [String: Any])
        #expect(answer["clientId"] as? String == "d:org1:sensor:s2")
        #expect(answer["forgotten"] as? Bool == true)
        #expect(answer["resolvedAlerts"] as? Int == 1)
        // The answer comes once the deletion is written: the very next page no longer lists it.
        let page = try callAPI("GET", fixture.base + path)
        #expect(page.body.contains("sensor:s1") && !page.body.contains("sensor:s2"), "\(page.body)")
        #expect(try callAPI("GET", fixture.base + path + "/d:org1:sensor:s2").status == 404)
        #expect(try callAPI("DELETE", fixture.base + path + "/d:org1:sensor:s2").status == 404)
        // Its alert resolves, saying why.
        let requests = await fixture.hook.waitForRequests(count: 2, timeout: .seconds(15))
        let resolve = try #require(requests.count == 2 ? requests[1] : nil)
        #expect(resolve.bodyText.contains("\"status\":\"resolved\""))
        #expect(resolve.bodyText.contains("client forgotten: forgotten through the API"))

        let cli = try runConnWatch(["forget", "--config", fixture.configPath, "d:org1:sensor:s1"])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(cli.stdout == "forgot d:org1:sensor:s1\n")
        let again = try runConnWatch(["forget", "--config", fixture.configPath, "d:org1:sensor:s1", "x\u{1b}[2J"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("no client with id 'd:org1:sensor:s1' is known"))
        #expect(again.stderr.contains("x\\u{1b}[2J"), "a hostile id is escaped: \(again.stderr)")
        #expect(await fixture.daemon.waitForLog("client forgotten", count: 2))
        let metrics = try callAPI("GET", fixture.base + "/metrics")
        #expect(metric(metrics.body, "connwatch_clients_forgotten_total") == 2)
        let database = "\(fixture.dir.path)/state/connwatch.sqlite"
        #expect(try sqliteQuery(database, "select count(*) from clients") == "0")

        // Gone for good: a restart brings neither back.
        try fixture.restart()
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        let restarted = try callAPI("GET", fixture.base + path)
        #expect(restarted.status == 200 && !restarted.body.contains("sensor:s"), "\(restarted.body)")
        // Heard of again: a new client.
        try fixture.publish("s1", "Connect")
        let back = try await fixture.poll(path) { $0.body.contains("sensor:s1") }
        #expect(back.body.contains("sensor:s1"))
    }

    @Test func clientsSilentForForgetAfterAreForgotten() async throws {
        let fixture = try APIFixture(forDuration: "1s", defaultsExtra: "  forget_after: 2s\n")
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        try fixture.publish("quiet", "Disconnect", closeCode: 160, reason: "The connection timed out")
        try fixture.publish("online", "Connect")
        let path = "/api/v0002/clientconnectionstates"
        // Not polled for the quiet client being listed: on a loaded machine it may be forgotten
        // before the first page. Its firing alert (below) shows it was known.
        let seen = try await fixture.poll(path) { $0.body.contains("sensor:online") }
        #expect(seen.body.contains("sensor:online"))
        let gone = try await fixture.poll(path, timeout: .seconds(20)) { !$0.body.contains("sensor:quiet") }
        #expect(!gone.body.contains("sensor:quiet"), "\(gone.body)")
        #expect(gone.body.contains("sensor:online"), "a connected client is never forgotten")
        #expect(await fixture.daemon.waitForLog("no event for 2s"))
        // Its offline alert fired, and resolved when it was forgotten.
        let requests = await fixture.hook.waitForRequests(count: 2, timeout: .seconds(15))
        #expect(requests.count == 2)
        #expect(requests.first?.bodyText.contains("\"status\":\"firing\"") == true)
        #expect(requests.first?.bodyText.contains("sensor:quiet") == true)
        #expect(requests.last?.bodyText.contains("client forgotten: no event for 2s") == true)
    }
}
