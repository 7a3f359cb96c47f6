import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import Testing

@testable import ConnWatchRuntime

/// The CLI's query commands find the daemon from the `api:` section alone, so a file the daemon
/// rejected on reload still gives the address and token.
@Suite struct APIClientTargetTests {
    private let valid = """
        api:
          listen: 127.0.0.2
          port: 9500
          bearer_token_file: token
        mqtt:
          name: plant
          url: mqtt://127.0.0.1:1883
          subscriptions:
            - topic: tele/+/LWT
              format: tasmota
        rules:
          - name: r
            kind: offline
            for: 1m
        """

    private func target(
        _ text: String,
        url: String? = nil,
        environment: [String: String] = [:]
    ) throws -> (
        url: String, note: String?
    ) {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("token", "s3cret\n")
        let path = try dir.write("rules.yaml", text)
        let target = try APIClient.forConfiguration(path: path, url: url, environment: environment)
        defer { target.client.shutdown() }
        return (target.client.baseURL, target.note.map { $0.replacingOccurrences(of: dir.path, with: "DIR") })
    }

    @Test func aFileWithProblemsElsewhereStillGivesItsAPISection() throws {
        #expect(try target(valid) == ("http://127.0.0.2:9500", nil))
        let broken = valid.replacingOccurrences(of: "for: 1m", with: "for: soon") + "\nrulez: []\n"
        #expect(try target(broken) == ("http://127.0.0.2:9500", nil))
        // Tabs in the indentation elsewhere: the section is still read.
        #expect(
            try target(valid.replacingOccurrences(of: "    kind: offline", with: "\tkind: offline")).url
                == "http://127.0.0.2:9500"
        )
    }

    @Test func aBrokenAPISectionOrAMissingFileFallsBackToTheDefaultAddressWithANote() throws {
        let result = try target(valid.replacingOccurrences(of: "port: 9500", with: "port: http"))
        #expect(result.url == "http://127.0.0.1:9467")
        #expect(
            result.note == "DIR/rules.yaml: its api: section cannot be read (connwatch check says why); "
                + "trying the default address http://127.0.0.1:9467 (--url or CONNWATCH_URL to choose another)",
            "\(String(describing: result.note))"
        )
        let missing = try APIClient.forConfiguration(path: "/nonexistent/rules.yaml", url: nil, environment: [:])
        defer { missing.client.shutdown() }
        #expect(missing.client.baseURL == "http://127.0.0.1:9467")
        #expect(
            missing.note?.contains("/nonexistent/rules.yaml: No such file or directory") == true,
            "\(missing.note ?? "")"
        )
    }

    @Test func urlAndCONNWATCH_URLOverrideTheAddress() throws {
        #expect(try target(valid, environment: ["CONNWATCH_URL": "http://10.0.0.1:1"]).url == "http://10.0.0.1:1")
        #expect(
            try target(valid, url: "http://10.0.0.2:2", environment: ["CONNWATCH_URL": "http://10.0.0.1:1"]).url
                == "http://10.0.0.2:2"
        )
        #expect(try target("{{{", environment: ["CONNWATCH_URL": "http://10.0.0.1:1"]) == ("http://10.0.0.1:1", nil))
    }

    @Test func aDisabledAPIOrAnUnreadableTokenStopsTheCommand() throws {
        let disabled = valid.replacingOccurrences(of: "  listen: 127.0.0.2\n", with: "  enabled: false\n")
        #expect(throws: APIClientError.self) { _ = try target(disabled) }
        let noToken = valid.replacingOccurrences(of: "bearer_token_file: token", with: "bearer_token_file: missing")
        #expect(throws: APIClientError.self) { _ = try target(noToken) }
    }
}
