import Foundation
import Testing

@testable import ConnWatchCore

private func alert(_ client: String, state: AlertState = .firing, summary: String? = nil) -> Alert {
    var labels = LabelSet(["alertname": "device_offline", "severity": "warning"])
    labels["client_id"] = client
    return Alert(
        labels: labels,
        annotations: LabelSet(["summary": summary ?? "\(client) offline for 10m"]),
        rule: "device_offline",
        state: state,
        activeSince: 1_790_000_000_000,
        startsAt: 1_790_000_600_000,
        endsAt: state == .resolved ? 1_790_000_900_000 : nil
    )
}

private func render(
    _ type: ReceiverType,
    _ alerts: [Alert],
    configure: (inout ReceiverConfig) -> Void = { _ in }
) throws -> (RenderedMessage, Any) {
    var receiver = ReceiverConfig(name: "r", type: type, url: "https://hooks.example.com/services/T1/B2/secret")
    configure(&receiver)
    let notification = Notification(id: "n1", receiver: "r", alerts: alerts)
    let message = MessageRenderer.render(
        notification,
        receiver: receiver,
        context: RenderContext(url: receiver.url ?? "", externalURL: "http://connwatch", routingKey: "R0UT1NG")
    )
    let json = try JSONSerialization.jsonObject(with: Data(message.body))
    return (message, json)
}

@Suite struct PlatformTextTests {
    @Test func slackEscapesEntitiesSoChannelPingsAreInert() {
        #expect(PlatformText.escape("<!channel> & <@U1>", .slack) == "&lt;!channel&gt; &amp; &lt;@U1&gt;")
    }

    @Test func discordEscapesMarkdownAndBreaksMentions() {
        let escaped = PlatformText.escape("@everyone *bold* <@123>", .discord)
        #expect(!escaped.contains("@everyone"))
        #expect(escaped.contains("\\*bold\\*"))
        #expect(!escaped.contains("<@"))
    }

    @Test func truncationKeepsTheLimitAndSaysHowMuchIsMissing() {
        let text = String(repeating: "x", count: 5000)
        let cut = PlatformText.truncate(text, maxCharacters: 3000)
        #expect(cut.count <= 3000)
        #expect(cut.hasSuffix("… \(5000 - (cut.count - "… 2009 more".count)) more"))
        let bytes = PlatformText.truncate(String(repeating: "é", count: 3000), maxBytes: 1000)
        #expect(bytes.utf8.count <= 1000)
        #expect(bytes.contains("more"))
        #expect(PlatformText.truncate("short", maxCharacters: 10) == "short")
    }
}

@Suite struct MessageRendererTests {
    @Test func slackHasTextFallbackBlocksAndColourWithEscapedClient() throws {
        let (message, json) = try render(.slack, [alert("<!channel>")])
        let object = try #require(json as? [String: Any])
        let text = try #require(object["text"] as? String)
        #expect(text.contains("&lt;!channel&gt;"))
        #expect(!message.bodyText.contains("<!channel>"))
        let blocks = try #require(object["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "header")
        #expect(blocks.contains { $0["type"] as? String == "section" })
        let attachments = try #require(object["attachments"] as? [[String: Any]])
        #expect(attachments.first?["color"] as? String == "#D00000")
    }

    @Test func slackTruncatesLongTextAndManyAlerts() throws {
        let long = String(repeating: "y", count: 10_000)
        let alerts = (0..<30).map { alert("c\($0)", summary: long) }
        let (message, json) = try render(.slack, alerts)
        #expect(message.omittedAlerts == 10)
        let blocks = try #require((json as? [String: Any])?["blocks"] as? [[String: Any]])
        #expect(blocks.count <= 50)
        for block in blocks where block["type"] as? String == "section" {
            let text = try #require((block["text"] as? [String: Any])?["text"] as? String)
            #expect(text.count <= 3000)
            #expect(text.contains(" more"))
        }
        #expect(message.bodyText.contains("… 10 more alerts"))
    }

    @Test(arguments: [ReceiverType.teams, .googlechat, .mattermost])
    func wholeBodyStaysWithinThePlatformLimit(type: ReceiverType) throws {
        let huge = String(repeating: "ü", count: 3000)
        var many = (0..<40).map { index in
            var labels = LabelSet(["alertname": "device_offline", "client_id": "c\(index)"])
            for label in 0..<(index == 0 ? 60 : 0) { labels["l\(label)"] = huge }
            return Alert(
                labels: labels,
                annotations: LabelSet(["summary": huge]),
                rule: "device_offline",
                state: .firing,
                activeSince: 0,
                startsAt: 0
            )
        }
        let (message, _) = try render(type, many)
        #expect(message.body.count <= MessageRenderer.maximumBodyBytes(type))
        #expect(message.bodyText.contains("more"))
        many = [many[0]]
        let (single, _) = try render(type, many)
        #expect(single.body.count <= MessageRenderer.maximumBodyBytes(type))
    }

    @Test func teamsIsAnAdaptiveCardEnvelope() throws {
        let (_, json) = try render(.teams, [alert("sensor-1", state: .resolved)])
        let object = try #require(json as? [String: Any])
        #expect(object["type"] as? String == "message")
        let attachment = try #require((object["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard")
        let body = try #require(card["body"] as? [[String: Any]])
        #expect(body.first?["color"] as? String == "Good")
    }

    @Test func discordDisablesMentionsWaitsAndKeepsEmbedLimits() throws {
        let long = String(repeating: "z", count: 9000)
        let alerts = (0..<12).map { alert("@everyone-\($0)", summary: long) }
        let (message, json) = try render(.discord, alerts)
        #expect(message.url.hasSuffix("?wait=true"))
        let object = try #require(json as? [String: Any])
        #expect(((object["allowed_mentions"] as? [String: Any])?["parse"] as? [Any])?.isEmpty == true)
        let embeds = try #require(object["embeds"] as? [[String: Any]])
        #expect(embeds.count == 10)
        let total = embeds.reduce(0) {
            $0 + (($1["title"] as? String)?.count ?? 0) + (($1["description"] as? String)?.count ?? 0)
                + ((($1["footer"] as? [String: Any])?["text"] as? String)?.count ?? 0)
        }
        #expect(total <= 6000)
        #expect(!message.bodyText.contains("@everyone"))
        #expect((object["content"] as? String)?.contains("… 2 more alerts") == true)
    }

    @Test func googleChatThreadsByAlertAndUsesCardsV2() throws {
        let firing = alert("sensor-1")
        let (message, json) = try render(.googlechat, [firing])
        let (_, resolvedJSON) = try render(.googlechat, [alert("sensor-1", state: .resolved)])
        #expect(message.url.contains("messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"))
        let key = ((json as? [String: Any])?["thread"] as? [String: Any])?["threadKey"] as? String
        let resolvedKey = ((resolvedJSON as? [String: Any])?["thread"] as? [String: Any])?["threadKey"] as? String
        #expect(key == "connwatch-\(firing.fingerprint)")
        #expect(key == resolvedKey)
        #expect(((json as? [String: Any])?["cardsV2"] as? [Any])?.count == 1)
    }

    @Test func mattermostAndRocketChatBreakMentions() throws {
        for type in [ReceiverType.mattermost, .rocketchat] {
            let (message, json) = try render(type, [alert("@channel")])
            #expect(!message.bodyText.contains("@channel"))
            let attachments = try #require((json as? [String: Any])?["attachments"] as? [[String: Any]])
            #expect(attachments.first?["color"] as? String == "#D00000")
        }
    }

    @Test func ntfyPublishesJSONToTheServerRoot() throws {
        var receiverURL = ""
        let (message, json) = try render(.ntfy, [alert("sensor-1")]) {
            $0.url = "https://ntfy.example.com/connwatch-alerts"
            receiverURL = $0.url ?? ""
        }
        #expect(message.url == "https://ntfy.example.com/")
        #expect(receiverURL.hasSuffix("connwatch-alerts"))
        let object = try #require(json as? [String: Any])
        #expect(object["topic"] as? String == "connwatch-alerts")
        #expect(object["priority"] as? Int == 4)
    }

    @Test func ntfyKeepsTheQueryForItsAuthParameter() throws {
        let (message, json) = try render(.ntfy, [alert("sensor-1")]) {
            $0.url = "https://ntfy.example.com/connwatch-alerts?auth=QmFzaWMg#frag"
        }
        #expect(message.url == "https://ntfy.example.com/?auth=QmFzaWMg")
        #expect((json as? [String: Any])?["topic"] as? String == "connwatch-alerts")
        #expect(
            MessageRenderer.endpointURL(.ntfy, "https://ntfy.example.com/a?auth=x&b=1")
                == "https://ntfy.example.com/?auth=x&b=1"
        )
    }

    @Test func limitsCountCodePointsNotCharacters() throws {
        let hindi = String(repeating: "उपकरण-संवेदक-", count: 13)
        #expect(hindi.count < 150 && hindi.unicodeScalars.count > 150)
        let (_, slack) = try render(.slack, [alert(hindi)])
        let blocks = try #require((slack as? [String: Any])?["blocks"] as? [[String: Any]])
        let header = try #require((blocks.first?["text"] as? [String: Any])?["text"] as? String)
        #expect(header.unicodeScalars.count <= 150)
        #expect(header.hasSuffix(" more"))
        let emoji = String(repeating: "👩‍👩‍👧‍👦", count: 300)
        let (_, discord) = try render(.discord, [alert(emoji)])
        let object = try #require(discord as? [String: Any])
        #expect(((object["content"] as? String)?.unicodeScalars.count ?? .max) <= 2000)
        let title = try #require((object["embeds"] as? [[String: Any]])?.first?["title"] as? String)
        #expect(title.unicodeScalars.count <= 256)
        // The cut falls between emoji sequences: the kept text is whole families.
        let kept = title.replacing("device\\_offline: ", with: "").prefix { $0 != "…" }
        #expect(kept.allSatisfy { $0 == "👩‍👩‍👧‍👦" })
    }

    @Test func oneAlertWithAHugeIdStillFitsTheByteCaps() throws {
        let emoji = String(repeating: "👩‍👩‍👧‍👦", count: 400)
        for type in [ReceiverType.teams, .googlechat, .ntfy] {
            let (message, _) = try render(type, [alert(emoji, summary: String(repeating: emoji, count: 3))])
            #expect(message.body.count <= MessageRenderer.maximumBodyBytes(type), "\(type) \(message.body.count)")
        }
    }

    @Test func pagerDutyTriggersAndResolvesWithOneDedupKey() throws {
        let long = String(repeating: "p", count: 3000)
        let (message, trigger) = try render(.pagerduty, [alert("sensor-1", summary: long)]) { $0.url = nil }
        let (_, resolve) = try render(.pagerduty, [alert("sensor-1", state: .resolved)]) { $0.url = nil }
        #expect(message.url == MessageRenderer.pagerDutyURL)
        let t = try #require(trigger as? [String: Any])
        let r = try #require(resolve as? [String: Any])
        #expect(t["event_action"] as? String == "trigger")
        #expect(r["event_action"] as? String == "resolve")
        #expect(t["dedup_key"] as? String == r["dedup_key"] as? String)
        #expect(t["routing_key"] as? String == "R0UT1NG")
        let summary = try #require((t["payload"] as? [String: Any])?["summary"] as? String)
        #expect(summary.count <= 1024)
    }

    @Test func webhookCountsTruncatedAlertsAndCustomBodyEscapesJSON() throws {
        let alerts = (0..<5).map { alert("c\($0)") }
        let (_, json) = try render(.webhook, alerts) { $0.maxAlerts = 3 }
        let object = try #require(json as? [String: Any])
        #expect(object["truncatedAlerts"] as? Int == 2)
        #expect((object["alerts"] as? [Any])?.count == 3)
        let template = try MessageTemplate(#"{"who":"{{client_id}}","state":"{{status}}"}"#)
        let (_, custom) = try render(.webhook, [alert("a\"b")]) { $0.body = template }
        #expect((custom as? [String: String]) == ["who": "a\"b", "state": "firing"])
    }

    @Test func alertmanagerPostsAnAlertArray() throws {
        let (message, json) = try render(.alertmanager, [alert("sensor-1", state: .resolved)]) {
            $0.url = "http://am:9093/"
        }
        #expect(message.url == "http://am:9093/api/v2/alerts")
        let array = try #require(json as? [[String: Any]])
        #expect(array.first?["endsAt"] as? String != nil)
        #expect((array.first?["labels"] as? [String: String])?["client_id"] == "sensor-1")
    }

    @Test func customTitleTemplateIsUsedAndEscaped() throws {
        let title = try MessageTemplate("{{STATUS}} {{client_id}} on {{severity}}")
        let (_, json) = try render(.slack, [alert("a<b")]) { $0.title = title }
        let text = try #require((json as? [String: Any])?["text"] as? String)
        #expect(text.contains("FIRING a&lt;b on warning"))
    }
}

@Suite struct WebhookSigningTests {
    @Test func sha256MatchesKnownVectors() {
        #expect(
            ByteText.hex(HMACSHA256.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        #expect(
            ByteText.hex(HMACSHA256.sha256([]))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
    }

    @Test func base64RoundTrips() {
        for count in 0..<10 {
            let bytes = (0..<count).map { UInt8($0 * 37 & 0xFF) }
            #expect(ByteText.decodeBase64(ByteText.base64(bytes)) == bytes)
        }
        #expect(ByteText.base64(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(ByteText.base64(Array("fo".utf8)) == "Zm8=")
    }

    /// Checked against Python's `hmac` module run as a separate process (an independent implementation).
    @Test(arguments: [0, 1, 55, 56, 64, 65, 200])
    func hmacMatchesPython(length: Int) throws {
        let key = Array("whsec-key-\(length)".utf8) + [UInt8](repeating: 0xAB, count: length)
        let message = (0..<(length * 3)).map { UInt8($0 & 0xFF) }
        let script =
            "import hmac,hashlib,sys,base64;k=base64.b64decode(sys.argv[1]);m=base64.b64decode(sys.argv[2]);"
            + "print(hmac.new(k,m,hashlib.sha256).hexdigest())"
        let output = try runPython(script, [ByteText.base64(key), ByteText.base64(message)])
        #expect(ByteText.hex(HMACSHA256.mac(key: key, message: message)) == output)
    }

    @Test func standardWebhooksSignatureVerifiesWithPython() throws {
        let secret = "whsec_" + ByteText.base64(Array("a secret that is long enough!!".utf8))
        let signer = WebhookSigner(scheme: .standard, secret: secret)
        let body = Array(#"{"a":"ü"}"#.utf8)
        let headers = signer.headers(id: "msg_1", timestamp: 1_700_000_000, body: body)
        let signature = try #require(headers.first { $0.name == "webhook-signature" }?.value)
        let script =
            "import hmac,hashlib,sys,base64;k=base64.b64decode(sys.argv[1][6:]);"
            + "m=b'msg_1.1700000000.'+base64.b64decode(sys.argv[2]);"
            + "print('v1,'+base64.b64encode(hmac.new(k,m,hashlib.sha256).digest()).decode())"
        #expect(try runPython(script, [secret, ByteText.base64(body)]) == signature)
        let github = WebhookSigner(scheme: .github, secret: "plain").headers(id: "x", timestamp: 0, body: body)
        let script2 =
            "import hmac,hashlib,sys,base64;"
            + "print('sha256='+hmac.new(b'plain',base64.b64decode(sys.argv[1]),hashlib.sha256).hexdigest())"
        #expect(try runPython(script2, [ByteText.base64(body)]) == github.first?.value)
    }

    /// GitHub-style verifiers use the secret text as the key, whatever it looks like.
    @Test func githubSigningUsesAWhsecSecretAsWritten() throws {
        let secret = "whsec_" + ByteText.base64(Array("a secret that is long enough!!".utf8))
        let body = Array(#"{"a":1}"#.utf8)
        let header = WebhookSigner(scheme: .github, secret: secret).headers(id: "x", timestamp: 0, body: body)
        let script =
            "import hmac,hashlib,sys,base64;"
            + "print('sha256='+hmac.new(sys.argv[1].encode(),base64.b64decode(sys.argv[2]),hashlib.sha256).hexdigest())"
        #expect(try runPython(script, [secret, ByteText.base64(body)]) == header.first?.value)
        #expect(WebhookSigner(scheme: .standard, secret: secret).key == Array("a secret that is long enough!!".utf8))
    }

    private func runPython(_ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@Suite struct MessageTemplateTests {
    private func render(_ source: String, _ values: [String: String]) throws -> String {
        try MessageTemplate(source).render({ values[$0] }, escape: { PlatformText.escape($0, .slack) })
    }

    @Test func valuesAreEscapedUnlessTripleOrAmpersand() throws {
        let values = ["id": "<!here>"]
        #expect(try render("{{id}}|{{{id}}}|{{& id}}", values) == "&lt;!here&gt;|<!here>|<!here>")
    }

    @Test func sectionsAndInvertedSections() throws {
        let source = "{{#reason}}because {{reason}}{{/reason}}{{^reason}}no reason{{/reason}}{{! hidden }}"
        #expect(try render(source, ["reason": "timeout"]) == "because timeout")
        #expect(try render(source, [:]) == "no reason")
        #expect(try render("{{#a}}[{{#b}}{{b}}{{/b}}]{{/a}}", ["a": "x", "b": "y"]) == "[y]")
    }

    @Test func malformedTemplatesAreErrors() {
        #expect(throws: MessageTemplate.ParseError.self) { try MessageTemplate("{{#a}}open") }
        #expect(throws: MessageTemplate.ParseError.self) { try MessageTemplate("{{#a}}x{{/b}}") }
        #expect(throws: MessageTemplate.ParseError.self) { try MessageTemplate("{{a") }
        #expect(throws: MessageTemplate.ParseError.self) { try MessageTemplate("{{a b}}") }
    }

    @Test func defaultTitleLeavesOutAMissingClient() throws {
        let alert = Alert(
            labels: LabelSet(["alertname": "fleet_offline"]),
            annotations: LabelSet(["description": "30 % offline"]),
            rule: "fleet_offline",
            state: .firing,
            activeSince: 0,
            startsAt: 0
        )
        let texts = AlertTexts(alert, receiver: ReceiverConfig(name: "r", type: .slack))
        #expect(texts.title(.plain) == "fleet_offline")
        #expect(texts.text(.plain) == "30 % offline")
    }
}
