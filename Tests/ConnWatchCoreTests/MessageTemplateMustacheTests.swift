import Foundation
import Testing

@testable import ConnWatchCore

/// A value that would do harm unescaped: a JSON quote and backslash, a line break, Slack and
/// Discord pings, a Markdown link and control characters.
private let hostile = "a\"b\\c\nd <!channel> @everyone [x](http://evil) \u{1}\u{7}\u{1F}e"

private func alert(_ client: String, state: AlertState = .firing, extra: [String: String] = [:]) -> Alert {
    var labels = LabelSet(["alertname": "device_offline", "severity": "warning", "site": "plant-1"])
    labels["client_id"] = client
    for (name, value) in extra { labels[name] = value }
    return Alert(
        labels: labels,
        annotations: LabelSet(["summary": "\(client) offline"]),
        rule: "device_offline",
        state: state,
        activeSince: 1_790_000_000_000,
        startsAt: 1_790_000_600_000,
        endsAt: state == .resolved ? 1_790_000_900_000 : nil
    )
}

/// The body of a webhook receiver with `body` (and `partials`) for `alerts`, and it parsed as JSON.
private func webhookBody(
    _ body: String,
    partials: [String: String] = [:],
    _ alerts: [Alert],
    groupLabels: LabelSet? = nil
) throws -> (text: String, json: Any) {
    var receiver = ReceiverConfig(name: "hook", type: .webhook, url: "https://example.com/hook")
    receiver.body = try MessageTemplate(body, partials: partials)
    receiver.maxAlerts = 1000
    let notification = Notification(id: "n1", receiver: "hook", alerts: alerts, groupLabels: groupLabels)
    let message = MessageRenderer.render(
        notification,
        receiver: receiver,
        context: RenderContext(url: "https://example.com/hook", externalURL: "http://connwatch")
    )
    return (message.bodyText, try JSONSerialization.jsonObject(with: Data(message.body)))
}

/// A configuration whose one receiver, a webhook named `hook`, ends in `keys` (from line 13 of the file).
private func loadWebhook(_ keys: String) throws(ConfigError) -> ConnWatchConfig {
    try loadReceivers(
        """
          - name: hook
            type: webhook
            url: https://example.com/hook
        \(keys)
        """,
        defaultReceiver: "hook"
    )
}

private let allEscapings: [TextEscaping] = [
    .plain, .slack, .discord, .markdownMentions, .html, .mentionsOnly, .markdown,
]

@Suite struct MessageTemplateSectionTests {
    @Test func aBodyListsEveryAlertAsValidJSON() throws {
        let alerts = (0..<1000).map { alert("c\($0) \(hostile)", state: $0 % 3 == 0 ? .resolved : .firing) }
        let body = """
            {"receiver":"{{receiver}}","count":{{alerts_count}},"status":"{{status}}","alerts":[
            {{#alerts}}
              {"i":{{index}},"client":"{{client_id}}","raw":"{{{client_id}}}","status":"{{status}}",\
            "title":"{{title}}","first":{{first}},"last":{{last}}}{{^last}},{{/last}}
            {{/alerts}}
            ]}
            """
        let (_, json) = try webhookBody(body, alerts)
        let object = try #require(json as? [String: Any])
        #expect(object["receiver"] as? String == "hook")
        #expect(object["count"] as? Int == 1000)
        #expect(object["status"] as? String == "firing")
        let items = try #require(object["alerts"] as? [[String: Any]])
        #expect(items.count == 1000)
        for (index, item) in items.enumerated() {
            #expect(item["i"] as? Int == index)
            #expect(item["client"] as? String == alerts[index].labels["client_id"])
            #expect(item["raw"] as? String == alerts[index].labels["client_id"])
            #expect(item["status"] as? String == (index % 3 == 0 ? "resolved" : "firing"))
            #expect(item["first"] as? Bool == (index == 0))
            #expect(item["last"] as? Bool == (index == 999))
        }
        #expect((items[1]["title"] as? String)?.hasPrefix("device_offline: c1 ") == true)
    }

    @Test func swiftMustacheSequenceTransformsWorkToo() throws {
        let body = #"[{{#alerts}}"{{client_id}}"{{^last()}},{{/last()}}{{/alerts}}]"#
        let (text, json) = try webhookBody(body, [alert("a"), alert("b"), alert("c")])
        #expect(json as? [String] == ["a", "b", "c"])
        #expect(text == #"["a","b","c"]"#)
    }

    @Test func anAlertWithoutALabelDoesNotShowTheFirstAlertsValue() throws {
        let alerts = [alert("a", extra: ["room": "r1"]), alert("b")]
        let body = #"[{{#alerts}}"{{room}}{{^room}}none{{/room}}/{{receiver}}"{{^last}},{{/last}}{{/alerts}}]"#
        let (_, json) = try webhookBody(body, alerts)
        #expect(json as? [String] == ["r1/hook", "none/hook"])
    }

    @Test func groupAndCommonLabelsAreMapsAndLists() throws {
        let body = """
            {"group":"{{group_labels.site}}","common":{ {{#common_labels}}"{{name}}":"{{value}}"\
            {{^last()}},{{/last()}}{{/common_labels}} },"n":{{count(alerts)}},"truncated":{{truncated_alerts}}}
            """
        let (_, json) = try webhookBody(
            body,
            [alert("a"), alert("b")],
            groupLabels: LabelSet(["site": "plant-1"])
        )
        let object = try #require(json as? [String: Any])
        #expect(object["group"] as? String == "plant-1")
        #expect(
            object["common"] as? [String: String]
                == ["alertname": "device_offline", "severity": "warning", "site": "plant-1"]
        )
        #expect(object["n"] as? Int == 2)
        #expect(object["truncated"] as? Int == 0)
    }

    @Test func titleAndTextSeeLabelsAsAMapAndAList() throws {
        var receiver = ReceiverConfig(name: "r", type: .slack)
        receiver.title = try MessageTemplate("{{labels.client_id}} @ {{labels.site}}")
        receiver.text = try MessageTemplate("{{#labels}}{{name}}={{value}} {{/labels}}")
        let texts = AlertTexts(alert("c1"), receiver: receiver)
        #expect(texts.title(.plain) == "c1 @ plant-1")
        #expect(texts.text(.plain).contains("client_id=c1 "))
        #expect(texts.text(.plain).contains("site=plant-1 "))
    }

    @Test func standaloneSectionLinesLeaveNoBlankLines() throws {
        let template = try MessageTemplate("{{#a}}\nA is {{a}}\n{{/a}}\nend")
        #expect(template.render({ $0 == "a" ? "x" : nil }, escape: { $0 }) == "A is x\nend")
        #expect(template.render({ _ in nil }, escape: { $0 }) == "end")
    }
}

@Suite struct MessageTemplateEscapingTests {
    /// `{{v}}` is escaped exactly as the platform's escaping does it; `{{{v}}}` and `{{& v}}` are raw.
    @Test(arguments: allEscapings)
    func chatValuesAreEscapedForThePlatform(escaping: TextEscaping) throws {
        var receiver = ReceiverConfig(name: "r", type: .slack)
        receiver.text = try MessageTemplate("{{v}}|{{{v}}}|{{& v}}")
        let alert = Alert(
            labels: LabelSet(["alertname": "x"]),
            annotations: LabelSet(["v": hostile]),
            rule: "x",
            state: .firing,
            activeSince: 0,
            startsAt: 0
        )
        let text = AlertTexts(alert, receiver: receiver).text(escaping)
        #expect(text == PlatformText.escape(hostile, escaping) + "|" + hostile + "|" + hostile)
    }

    @Test func eachPlatformDefusesItsMarkup() throws {
        let template = try MessageTemplate("{{v}}")
        func render(_ escaping: TextEscaping) -> String {
            template.render({ _ in hostile }, escape: { PlatformText.escape($0, escaping) })
        }
        #expect(!render(.slack).contains("<!channel>"))
        #expect(render(.slack).contains("&lt;!channel&gt;"))
        #expect(!render(.discord).contains("@everyone"))
        #expect(!render(.discord).contains("]("))
        #expect(!render(.markdown).contains("]("))
        #expect(!render(.markdownMentions).contains("@everyone"))
        #expect(!render(.html).contains("<"))
        #expect(!render(.mentionsOnly).contains("@everyone"))
    }

    @Test func aJSONBodyEscapesEveryValueEvenInTripleBraces() throws {
        let body =
            #"{"a":"{{client_id}}","b":"{{{client_id}}}","c":"{{& client_id}}","d":"{{#client_id}}{{.}}{{/client_id}}"}"#
        let (text, json) = try webhookBody(body, [alert(hostile)])
        let object = try #require(json as? [String: String])
        #expect(object == ["a": hostile, "b": hostile, "c": hostile, "d": hostile])
        #expect(!text.contains("\n"))
        #expect(!text.contains("\u{1}"))
    }

    @Test func aJSONBodyCannotBeBrokenByDumpingAContext() throws {
        let body = #"{"a":"{{{.}}}{{{alerts}}}{{{labels}}}{{{group_labels}}}","b":"{{.}}{{alerts}}"}"#
        let (_, json) = try webhookBody(body, [alert(hostile)])
        #expect(json as? [String: String] == ["a": "", "b": ""])
    }
}

@Suite struct MessageTemplatePartialTests {
    @Test func aBodyIncludesPartialsThatAreEscapedLikeTheBody() throws {
        let partials = ["alert": #"{"client":"{{client_id}}","summary":"{{summary}}"}"#]
        let body = "[{{#alerts}}{{> alert}}{{^last}},{{/last}}{{/alerts}}]"
        let (_, json) = try webhookBody(body, partials: partials, [alert(hostile), alert("b")])
        let items = try #require(json as? [[String: String]])
        #expect(items.map { $0["client"] } == [hostile, "b"])
        #expect(items.first?["summary"] == "\(hostile) offline")
    }

    @Test func chatPartialsUseThePlatformsEscaping() throws {
        let template = try MessageTemplate("[{{> who}}]", partials: ["who": "{{v}} {{{v}}}"])
        let rendered = template.render({ _ in "@everyone" }, escape: { PlatformText.escape($0, .discord) })
        #expect(rendered == "[" + PlatformText.escape("@everyone", .discord) + " @everyone]")
    }

    @Test func partialsCannotIncludePartials() {
        #expect(throws: MessageTemplate.ParseError.self) {
            try MessageTemplate("{{> a}}", partials: ["a": "x {{> a}}"])
        }
        #expect(throws: MessageTemplate.ParseError.self) {
            try MessageTemplate("{{> a}}", partials: ["a": "{{=<% %>=}}<%> a%>"])
        }
    }

    @Test func anUnknownPartialIsAnErrorWithASuggestion() throws {
        do {
            _ = try MessageTemplate("x\n  {{> alret}}", partials: ["alert": "a"])
            Issue.record("no error")
        } catch {
            #expect(error.message == "unknown partial '{{> alret}}'; did you mean '{{> alert}}'?")
            #expect(error.line == 2)
            #expect(error.column == 3)
        }
    }

    @Test func partialsAreReadFromTheReceiver() throws {
        let loaded = try loadWebhook(
            """
                body: '[{{#alerts}}{{> alert}}{{^last}},{{/last}}{{/alerts}}]'
                partials:
                  alert: '{"client":"{{client_id}}"}'
            """
        )
        let body = try #require(loaded.receivers.first?.body)
        #expect(body.partials == ["alert": #"{"client":"{{client_id}}"}"#])
    }
}

@Suite struct MessageTemplateErrorTests {
    private func error(_ source: String, partials: [String: String] = [:]) -> MessageTemplate.ParseError? {
        do {
            _ = try MessageTemplate(source, partials: partials)
            return nil
        } catch {
            return error
        }
    }

    @Test func errorsSayWhereInTheTemplate() throws {
        let mismatched = try #require(error("line one\n{{#a}}x{{/b}}"))
        #expect(mismatched.message == "'{{/b}}' closes no open section")
        #expect((mismatched.line, mismatched.column, mismatched.offset) == (2, 11, 19))

        let unclosed = try #require(error("ab {{c}} {{d"))
        #expect(unclosed.message == "unclosed '{{' in template")
        #expect((unclosed.line, unclosed.column, unclosed.offset) == (1, 10, 9))

        let open = try #require(error("{{#a}}\nopen"))
        #expect(open.message.hasPrefix("a section is not closed"))

        let badTag = try #require(error("{{a b}}"))
        #expect(badTag.message == "bad tag in template: '}}' expected")
        #expect(badTag.column == 5)

        let partial = try #require(error("{{> p}}", partials: ["p": "ok\n{{#x}}"]))
        #expect(partial.message.hasPrefix("partial 'p': a section is not closed"))
    }

    @Test func configProblemsGiveTheFilePositionAndThePlaceInTheTemplate() {
        var found: [String] = []
        do {
            _ = try loadWebhook(
                """
                    title: "{{#a}}x{{/b}}"
                    body: |
                      {"a": "{{a}}",
                       "b": "{{> nope}}"}
                    partials:
                      bad name: x
                      p: "{{> p}}"
                """
            )
        } catch {
            found = error.problems.map(\.description)
        }
        let expected = [
            "rules.yaml:13:12: title: '{{/b}}' closes no open section (template line 1, column 11)",
            "rules.yaml:18:7: partial name 'bad name' must be letters, digits, '_', '.' and '-'",
            "rules.yaml:19:10: partial 'p': a partial cannot use '{{>…}}' (partials do not include partials) "
                + "(template line 1, column 1)",
        ]
        for line in expected { #expect(found.contains(line), "missing: \(line)\nfound: \(found)") }
        #expect(
            found.contains {
                $0.hasPrefix("rules.yaml:14:11: body: unknown partial '{{> nope}}'")
                    && $0.hasSuffix("(template line 2, column 8)")
            },
            "\(found)"
        )
    }
}
