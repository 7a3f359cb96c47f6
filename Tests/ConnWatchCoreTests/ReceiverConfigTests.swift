import Foundation
import Testing

@testable import ConnWatchCore

private func config(_ receivers: String) throws(ConfigError) -> ConnWatchConfig {
    try loadReceivers(receivers)
}

private func problems(_ receivers: String) -> [String] {
    do {
        _ = try config(receivers)
        return []
    } catch {
        return error.problems.map(\.description)
    }
}

@Suite struct ReceiverConfigTests {
    @Test func everyNewKeyIsRead() throws {
        let loaded = try config(
            """
              - name: a
                type: discord
                url_credential: discord-url
                max_alerts: 5
                title: "{{STATUS}} {{client_id}}"
                text: "{{summary}}"
                signing: github
                signing_secret_credential: hook-secret
                rate_limit: 30/m
            """
        )
        let receiver = try #require(loaded.receivers.first)
        #expect(receiver.type == .discord)
        #expect(receiver.urlCredential == "discord-url")
        #expect(receiver.effectiveMaxAlerts == 5)
        #expect(receiver.title?.source == "{{STATUS}} {{client_id}}")
        #expect(receiver.signing == .github)
        #expect(receiver.effectiveRateLimit == 0.5)
    }

    @Test func maxAlertsAPlatformCannotShowIsRejectedWithItsPosition() throws {
        let found = problems(
            """
              - {name: a, type: discord, url: 'https://discord.com/api/webhooks/1/x', max_alerts: 50}
              - name: b
                type: googlechat
                url: https://chat.googleapis.com/v1/spaces/S/messages
                max_alerts: 100
            """
        )
        #expect(
            found.contains {
                $0.hasPrefix("rules.yaml:10:87: max_alerts 50 is more than a discord message can show: at most 10")
            },
            "\(found)"
        )
        #expect(found.contains { $0.hasPrefix("rules.yaml:14:17: max_alerts 100") && $0.contains("100 widgets") })
        let loaded = try config(
            "  - {name: a, type: googlechat, url: 'https://chat.googleapis.com/v1/spaces/S/messages', max_alerts: 49}"
        )
        #expect(loaded.receivers.first?.effectiveMaxAlerts == 49)
    }

    @Test func ntfyTokenFromAFileOrACredential() throws {
        let loaded = try config(
            """
              - {name: a, type: ntfy, url: 'https://ntfy.example.com/alerts?auth=x', token_credential: ntfy-token}
            """
        )
        #expect(loaded.receivers.first?.tokenCredential == "ntfy-token")
        let found = problems(
            """
              - {name: a, type: slack, url: 'https://hooks.slack.com/services/x', token_credential: t}
              - {name: b, type: ntfy, url: 'https://ntfy.example.com/a', token_credential: t, token_file: /dev/null}
            """
        )
        #expect(found.contains { $0.contains("token_file and token_credential are only for type ntfy") }, "\(found)")
        #expect(found.contains { $0.contains("at most one of token_file and token_credential") }, "\(found)")
    }

    @Test func problemsArePositioned() {
        let found = problems(
            """
              - name: a
                type: pagerduty
                signing: sha1
              - name: b
                type: slack
                url: https://hooks.slack.com/services/x
                body: "{{client_id"
                rate_limit: fast
            """
        )
        #expect(found.contains { $0.hasPrefix("rules.yaml:10:5:") && $0.contains("routing_key_file") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("rules.yaml:12:14: unknown signing 'sha1'") })
        #expect(found.contains { $0.contains("body: unclosed '{{'") })
        #expect(found.contains { $0.contains("rate_limit must look like") })
    }

    @Test func shippedExampleHasOneReceiverOfEachType() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("rules.yaml.example").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let loaded = try ConfigLoader.load(text: text, file: path)
        #expect(Set(loaded.receivers.map(\.type)) == Set(ReceiverType.allCases))
    }
}
