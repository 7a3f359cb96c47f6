import Foundation

/// What `/metrics` reports, gathered by the daemon's task and written as Prometheus text.
public struct MetricsSnapshot: Sendable {
    /// One broker feed's decoder counters for one subscription.
    public struct FeedCounters: Sendable {
        public var broker: String
        public var subscription: String
        public var decoded: Int
        public var unknownTopics: Int
        public var undecodable: Int

        public init(broker: String, subscription: String, decoded: Int, unknownTopics: Int, undecodable: Int) {
            self.broker = broker
            self.subscription = subscription
            self.decoded = decoded
            self.unknownTopics = unknownTopics
            self.undecodable = undecodable
        }
    }

    /// Notifications finished per receiver.
    public struct DeliveryCounters: Sendable, Equatable {
        public var sent: [String: Int] = [:]
        public var failed: [String: Int] = [:]
        public init() {}
    }

    public var version: String
    public var startTime: Int64
    public var clients: [ConnectionStatus: Int] = [:]
    public var feeds: [FeedCounters] = []
    public var engine = EngineCounters()
    /// Open alerts by state; a state left out is not known (not written).
    public var alerts: [AlertState: Int] = [:]
    public var delivery = DeliveryCounters()
    /// Broker name → connected.
    public var brokers: [(name: String, connected: Bool)] = []
    /// Failed connection attempts and lost connections per broker and class, since the start.
    public var connectFailures: [(broker: String, counts: [BrokerFailure.Kind: Int])] = []
    public var silencesActive = 0
    public var lastReloadSuccessful = true
    public var lastReloadTime: Int64

    public init(version: String, startTime: Int64) {
        self.version = version
        self.startTime = startTime
        self.lastReloadTime = startTime
    }
}

/// Prometheus text exposition format 0.0.4.
public enum MetricsText {
    /// The content type `/metrics` answers with.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The snapshot as exposition text, `connwatch_*` names.
    public static func render(_ snapshot: MetricsSnapshot) -> String {
        var out = MetricsOutput()
        out.family("connwatch_build_info", "gauge", "The running connwatch's version.")
        out.sample("connwatch_build_info", [("version", snapshot.version)], 1)
        out.family("connwatch_start_time_seconds", "gauge", "When the daemon started, seconds since the epoch.")
        out.sample("connwatch_start_time_seconds", [], seconds(snapshot.startTime))
        out.family("connwatch_clients", "gauge", "Known clients by connection status.")
        for status in [ConnectionStatus.connected, .disconnected, .unknown] {
            out.sample("connwatch_clients", [("status", status.label)], Double(snapshot.clients[status] ?? 0))
        }
        out.family(
            "connwatch_events_decoded_total",
            "counter",
            "Monitor messages decoded into status events, per broker and subscription."
        )
        for feed in snapshot.feeds {
            out.sample(
                "connwatch_events_decoded_total",
                [("broker", feed.broker), ("subscription", feed.subscription)],
                Double(feed.decoded)
            )
        }
        out.family("connwatch_events_undecodable_total", "counter", "Monitor messages skipped, by reason.")
        for feed in snapshot.feeds {
            let labels = [("broker", feed.broker), ("subscription", feed.subscription)]
            out.sample(
                "connwatch_events_undecodable_total",
                labels + [("reason", "undecodable")],
                Double(feed.undecodable)
            )
            out.sample(
                "connwatch_events_undecodable_total",
                labels + [("reason", "unknown_topic")],
                Double(feed.unknownTopics)
            )
        }
        out.family("connwatch_events_total", "counter", "Status events the engine received.")
        out.sample("connwatch_events_total", [], Double(snapshot.engine.events))
        out.family(
            "connwatch_events_out_of_order_total",
            "counter",
            "Events older than the client's state: logged, not applied."
        )
        out.sample("connwatch_events_out_of_order_total", [], Double(snapshot.engine.outOfOrder))
        out.family(
            "connwatch_events_duplicate_total",
            "counter",
            "Events identical to the one the client's log ends with (delivered again): dropped."
        )
        out.sample("connwatch_events_duplicate_total", [], Double(snapshot.engine.duplicates))
        out.family(
            "connwatch_events_too_late_total",
            "counter",
            "Events a counting rule did not count: they arrived later than max_lateness after they happened."
        )
        out.sample("connwatch_events_too_late_total", [], Double(snapshot.engine.tooLate))
        out.family("connwatch_events_takeover_total", "counter", "Disconnects that only report a session takeover.")
        out.sample("connwatch_events_takeover_total", [], Double(snapshot.engine.takeovers))
        out.family(
            "connwatch_clients_forgotten_total",
            "counter",
            "Clients forgotten: on request, or not connected and silent for forget_after."
        )
        out.sample("connwatch_clients_forgotten_total", [], Double(snapshot.engine.forgotten))
        out.family("connwatch_alerts", "gauge", "Open alerts by state.")
        for state in [AlertState.pending, .firing] {
            guard let count = snapshot.alerts[state] else { continue }
            out.sample("connwatch_alerts", [("state", state.rawValue)], Double(count))
        }
        out.family("connwatch_silences_active", "gauge", "Silences in force now.")
        out.sample("connwatch_silences_active", [], Double(snapshot.silencesActive))
        out.family("connwatch_notifications_total", "counter", "Notifications delivered, per receiver.")
        for (receiver, count) in snapshot.delivery.sent.sorted(by: { $0.key < $1.key }) {
            out.sample("connwatch_notifications_total", [("receiver", receiver)], Double(count))
        }
        out.family(
            "connwatch_notifications_failed_total",
            "counter",
            "Notifications dropped after a permanent failure or the last retry, per receiver."
        )
        for (receiver, count) in snapshot.delivery.failed.sorted(by: { $0.key < $1.key }) {
            out.sample("connwatch_notifications_failed_total", [("receiver", receiver)], Double(count))
        }
        out.family("connwatch_mqtt_connected", "gauge", "1 while the broker connection is up.")
        for broker in snapshot.brokers {
            out.sample("connwatch_mqtt_connected", [("broker", broker.name)], broker.connected ? 1 : 0)
        }
        out.family(
            "connwatch_mqtt_connect_failures_total",
            "counter",
            "Failed broker connection attempts and lost connections, by broker and reason."
        )
        for entry in snapshot.connectFailures {
            for kind in BrokerFailure.Kind.allCases {
                out.sample(
                    "connwatch_mqtt_connect_failures_total",
                    [("broker", entry.broker), ("reason", kind.rawValue)],
                    Double(entry.counts[kind] ?? 0)
                )
            }
        }
        out.family(
            "connwatch_config_last_reload_successful",
            "gauge",
            "1 if the last configuration reload was applied."
        )
        out.sample("connwatch_config_last_reload_successful", [], snapshot.lastReloadSuccessful ? 1 : 0)
        out.family(
            "connwatch_config_last_reload_success_timestamp_seconds",
            "gauge",
            "When the configuration was last applied."
        )
        out.sample("connwatch_config_last_reload_success_timestamp_seconds", [], seconds(snapshot.lastReloadTime))
        return out.text
    }

    private static func seconds(_ milliseconds: Int64) -> Double { Double(milliseconds) / 1000 }

    /// Escapes a label value: backslash, double quote and line feed.
    public static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

private struct MetricsOutput {
    var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(MetricsText.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        let rounded = value.rounded()
        if rounded == value, abs(value) < 1e15 {
            text += " \(Int64(value))\n"
        } else {
            text += " \(value)\n"
        }
    }
}
