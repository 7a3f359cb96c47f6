/// `GET /api/v1/rules`: each configured rule with its kind, what it matches, its timing and how
/// many of its alerts are open now (the web console's rules page).
public enum RulesJSON {
    /// One rule as listed.
    public struct Item: Sendable, Equatable {
        public var name: String
        /// The configuration's `kind:` (`offline`, `inactive`, `disconnects`, `failed_connects`,
        /// `flapping`, `fleet_offline`).
        public var kind: String
        /// The `match:` conditions as text, empty when the rule matches every client.
        public var match: String
        /// `for` (offline, inactive, fleet_offline) or `window` (counting rules), in milliseconds.
        public var duration: Int64
        public var severity: String
        public var receivers: [String]
    }

    /// The rules of `configuration`, in configuration order within each kind.
    public static func items(_ configuration: EngineConfiguration) -> [Item] {
        configuration.offlineRules.map {
            Item(
                name: $0.name,
                kind: $0.condition == .disconnected ? "offline" : "inactive",
                match: describe($0.match),
                duration: $0.forDuration,
                severity: $0.severity,
                receivers: $0.receivers
            )
        }
            + configuration.countingRules.map {
                Item(
                    name: $0.name,
                    kind: $0.kind.rawValue,
                    match: describe($0.match),
                    duration: $0.window,
                    severity: $0.severity,
                    receivers: $0.receivers
                )
            }
            + configuration.fleetRules.map {
                Item(
                    name: $0.name,
                    kind: "fleet_offline",
                    match: describe($0.match),
                    duration: $0.forDuration,
                    severity: $0.severity,
                    receivers: $0.receivers
                )
            }
    }

    /// `{"rules": [...]}`; `firing` are the firing alerts, counted per rule, and `pending` how many
    /// wait out their `for`, by rule.
    public static func render(_ items: [Item], firing alerts: [Alert], pending: [String: Int]) -> APIResponse {
        var firing: [String: Int] = [:]
        for alert in alerts { firing[alert.rule, default: 0] += 1 }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("rules")
        writer.beginArray()
        for item in items {
            writer.beginObject()
            writer.field("name", item.name)
            writer.field("kind", item.kind)
            writer.field("match", item.match)
            writer.field("durationSeconds", item.duration / 1000)
            writer.field("duration", DurationText.format(milliseconds: item.duration))
            writer.field("severity", item.severity)
            writer.key("receivers")
            writer.beginArray()
            for receiver in item.receivers { writer.string(receiver) }
            writer.endArray()
            writer.key("openAlerts")
            writer.beginObject()
            writer.field("firing", Int64(firing[item.name] ?? 0))
            writer.field("pending", Int64(pending[item.name] ?? 0))
            writer.endObject()
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return .json(writer)
    }

    /// `type_id in (sensor*, gw*), broker in (main), severity!="info"`.
    public static func describe(_ matcher: ClientMatcher) -> String {
        let conditions = matcher.conditions.map { condition in
            condition.label.rawValue + " in (" + condition.globs.map(\.description).joined(separator: ", ") + ")"
        }
        return (conditions + matcher.labelMatchers.map(\.description)).joined(separator: ", ")
    }
}
