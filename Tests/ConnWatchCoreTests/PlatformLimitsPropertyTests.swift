import ConnWatchTestSupport
import Foundation
import Testing

@testable import ConnWatchCore

/// Client ids that break naive length counting and escaping.
enum HostileIDs {
    static let zwjFamily = "👩‍👩‍👧‍👦"
    static let hindi = "उपकरण-संवेदक-तापमान-नियंत्रक"
    static let markup = ["<!channel>", "@everyone", "[click](http://evil)", "**bold**", "<@123>", "&amp;", "`x`"]

    /// The fixed hostile ids of the acceptance run.
    static var fixed: [String] {
        [
            String(repeating: "d:org:type:", count: 40).prefix(400).description,
            String(repeating: hindi, count: 6),
            String(repeating: zwjFamily, count: 300),
            "a" + String(repeating: "\u{301}", count: 1500),
            "<!channel> @everyone @here [click](http://evil) <@123> **x** _y_ #z",
            "\u{202E}evil\u{202C}" + String(repeating: "مستشعر", count: 100),
        ]
    }

    /// A random id of up to `maximum` code points from every plane: ASCII, control characters,
    /// Devanagari, RTL scripts and marks, combining marks, emoji and ZWJ sequences, supplementary
    /// planes, and platform markup.
    static func random(_ rng: inout SeededGenerator, maximum: Int) -> String {
        let target = Int.random(in: 1...maximum, using: &rng)
        var scalars = String.UnicodeScalarView()
        func add(_ range: ClosedRange<UInt32>) {
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &rng)) { scalars.append(scalar) }
        }
        while scalars.count < target {
            switch Int.random(in: 0..<12, using: &rng) {
            case 0: add(0x20...0x7E)
            case 1: add(0x00...0x1F)
            case 2: add(0x0900...0x097F)
            case 3: add(0x0590...0x06FF)
            case 4: add(0x0300...0x036F)
            case 5: add(0x1F300...0x1FAFF)
            case 6: scalars.append(contentsOf: zwjFamily.unicodeScalars)
            case 7: add(0x10000...0x10FFFD)
            case 8: add(0x0080...0xD7FF)
            case 9: add(0xE000...0xFFFD)
            case 10: scalars.append(contentsOf: "\u{202E}\u{200F}\u{200D}\u{FE0F}".unicodeScalars)
            default: scalars.append(contentsOf: markup.randomElement(using: &rng)!.unicodeScalars)
            }
        }
        while scalars.count > target { scalars.removeLast() }
        return String(scalars)
    }
}

/// `count` firing alerts for `client` (its id also in the summary, reason and broker).
func hostileAlerts(client: String, count: Int) -> [Alert] {
    (0..<count).map { index in
        var labels = LabelSet(["alertname": "device_offline", "severity": "warning", "broker": client])
        labels["client_id"] = index == 0 ? client : "\(client)-\(index)"
        return Alert(
            labels: labels,
            annotations: LabelSet(["summary": "\(client) offline for 10m", "reason": client]),
            rule: "device_offline",
            state: .firing,
            activeSince: 1_790_000_000_000,
            startsAt: 1_790_000_600_000
        )
    }
}

/// Renders `alerts` to a receiver of `type`.
func renderHostile(_ type: ReceiverType, alerts: [Alert], maxAlerts: Int? = nil) -> RenderedMessage {
    var receiver = ReceiverConfig(name: "r", type: type, url: "https://hooks.example.com/services/T1/B2/secret")
    receiver.maxAlerts = maxAlerts
    return MessageRenderer.render(
        Notification(id: "n1", receiver: "r", alerts: alerts),
        receiver: receiver,
        context: RenderContext(url: receiver.url ?? "", externalURL: "http://connwatch", routingKey: "R0UT1NG")
    )
}

/// Renders `count` alerts for `client` to a receiver of `type`.
func renderHostile(_ type: ReceiverType, client: String, count: Int) -> RenderedMessage {
    renderHostile(type, alerts: hostileAlerts(client: client, count: count))
}

/// Checks one rendered request against its platform's documented limits, each in the platform's
/// own unit (numbers from the platforms' documentation, not from `PlatformLimits`). Returns the
/// violations.
func platformViolations(_ type: ReceiverType, _ message: RenderedMessage) -> [String] {
    var found: [String] = []
    func check(_ ok: Bool, _ what: @autoclosure () -> String) { if !ok { found.append(what()) } }
    func points(_ value: Any?) -> Int { (value as? String)?.unicodeScalars.count ?? 0 }
    func bytes(_ value: Any?) -> Int { (value as? String)?.utf8.count ?? 0 }
    check(String(validating: message.body, as: UTF8.self) != nil, "body is not UTF-8")
    check(message.body.count <= MessageRenderer.maximumBodyBytes(type), "body \(message.body.count) bytes")
    guard let json = try? JSONSerialization.jsonObject(with: Data(message.body)) else {
        return found + ["body is not JSON"]
    }
    let object = json as? [String: Any] ?? [:]
    let more = message.omittedAlerts > 0 ? "\(message.omittedAlerts) more alert" : nil
    // PagerDuty sends one event per alert; webhook and Alertmanager bodies count them in JSON.
    if let more, ![.pagerduty, .webhook, .alertmanager].contains(type) {
        check(message.bodyText.contains(more), "no '… \(more)' line")
    }
    switch type {
    case .slack:
        let blocks = object["blocks"] as? [[String: Any]] ?? []
        check(!blocks.isEmpty && blocks.count <= 50, "\(blocks.count) blocks")
        check(points(object["text"]) <= 40_000, "text \(points(object["text"]))")
        for block in blocks {
            let text = (block["text"] as? [String: Any])?["text"]
            switch block["type"] as? String {
            case "header": check((1...150).contains(points(text)), "header \(points(text))")
            case "section": check((1...3000).contains(points(text)), "section \(points(text))")
            case "context":
                let elements = block["elements"] as? [[String: Any]] ?? []
                check(elements.count <= 10, "\(elements.count) context elements")
                for element in elements { check(points(element["text"]) <= 3000, "context \(points(element["text"]))") }
            default: found.append("unexpected block \(block)")
            }
        }
    case .discord:
        check(points(object["content"]) <= 2000, "content \(points(object["content"]))")
        let embeds = object["embeds"] as? [[String: Any]] ?? []
        check(embeds.count <= 10, "\(embeds.count) embeds")
        var total = 0
        for embed in embeds {
            let footer = (embed["footer"] as? [String: Any])?["text"]
            check(points(embed["title"]) <= 256, "title \(points(embed["title"]))")
            check(points(embed["description"]) <= 4096, "description \(points(embed["description"]))")
            check(points(footer) <= 2048, "footer \(points(footer))")
            total += points(embed["title"]) + points(embed["description"]) + points(footer)
        }
        check(total <= 6000, "embeds total \(total)")
    case .teams:
        check(message.body.count <= 28_000, "teams body \(message.body.count)")
    case .googlechat:
        check(message.body.count <= 32_000, "google chat body \(message.body.count)")
        let card = ((object["cardsV2"] as? [[String: Any]])?.first?["card"] as? [String: Any]) ?? [:]
        let sections = card["sections"] as? [[String: Any]] ?? []
        let widgets = sections.reduce(0) { $0 + (($1["widgets"] as? [Any])?.count ?? 0) }
        check(widgets <= 100, "\(widgets) widgets")
        if let more {
            let last = sections.last?["widgets"] as? [[String: Any]]
            let text = (last?.last?["textParagraph"] as? [String: Any])?["text"] as? String
            check(text?.contains(more) == true, "the '… N more' widget is not the last")
        }
    case .mattermost, .rocketchat:
        let attachments = object["attachments"] as? [[String: Any]] ?? []
        let total = attachments.reduce(points(object["text"])) {
            $0 + points($1["title"]) + points($1["text"]) + points($1["fallback"])
        }
        check(total <= (type == .mattermost ? 16_383 : 5_000), "\(type) text \(total)")
    case .ntfy:
        check(bytes(object["message"]) <= 4096, "ntfy message \(bytes(object["message"])) bytes")
    case .pagerduty:
        let summary = (object["payload"] as? [String: Any])?["summary"]
        check(points(summary) <= 1024, "summary \(points(summary))")
        check(message.body.count <= 512_000, "pagerduty body \(message.body.count)")
    case .webhook, .alertmanager:
        break
    }
    return found
}

@Suite struct PlatformLimitsPropertyTests {
    /// Every receiver type, random hostile ids of up to 2,000 code points, 1 to 1,000 alerts: each
    /// request is within its platform's limits, counted in the platform's unit.
    @Test func everyRequestFitsItsPlatform() {
        var rng = SeededGenerator(state: 0xC0FF_EE42)
        let chatTypes = ReceiverType.allCases.filter { $0 != .webhook && $0 != .alertmanager }
        for round in 0..<16 {
            let client = HostileIDs.random(&rng, maximum: 2_000)
            let count = round % 4 == 0 ? 1 : Int.random(in: 1...1_000, using: &rng)
            let alerts = hostileAlerts(client: client, count: count)
            for type in chatTypes {
                let maxAlerts = round % 3 == 0 ? nil : min(type.maximumMaxAlerts, Int.random(in: 1...1000, using: &rng))
                let message = renderHostile(type, alerts: alerts, maxAlerts: maxAlerts)
                let violations = platformViolations(type, message)
                #expect(violations.isEmpty, "\(type) round \(round), \(count) alerts: \(violations)")
            }
        }
    }

    @Test(arguments: HostileIDs.fixed)
    func fixedHostileIDsFitEveryPlatform(client: String) {
        for count in [1, 25] {
            let alerts = hostileAlerts(client: client, count: count)
            for type in ReceiverType.allCases {
                let violations = platformViolations(type, renderHostile(type, alerts: alerts))
                #expect(violations.isEmpty, "\(type), \(count) alerts: \(violations)")
            }
        }
    }
}
