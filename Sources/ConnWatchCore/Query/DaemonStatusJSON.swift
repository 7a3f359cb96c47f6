/// `GET /api/v1/status`: the daemon's own health for the web console: its version and start, how
/// the last configuration reload went, and each receiver's delivery counts and last result.
public enum DaemonStatusJSON {
    /// The last outcome of a notification for one receiver.
    public struct DeliveryResult: Sendable, Equatable {
        /// When it happened (milliseconds since the epoch).
        public var time: Int64
        /// `delivered`, `retrying` or `failed`.
        public var outcome: String
        /// Why it was not delivered (HTTP status, transport error), when it was not.
        public var detail: String?

        public init(time: Int64, outcome: String, detail: String? = nil) {
            self.time = time
            self.outcome = outcome
            self.detail = detail
        }
    }

    /// One configured receiver.
    public struct Receiver: Sendable, Equatable {
        public var name: String
        public var type: String
        public var sent: Int
        public var failed: Int
        public var last: DeliveryResult?

        public init(name: String, type: String, sent: Int, failed: Int, last: DeliveryResult?) {
            self.name = name
            self.type = type
            self.sent = sent
            self.failed = failed
            self.last = last
        }
    }

    /// What the answer says.
    public struct Status: Sendable, Equatable {
        public var version: String
        public var startTime: Int64
        public var lastReloadSuccessful: Bool
        public var lastReloadTime: Int64
        public var receivers: [Receiver]

        public init(
            version: String,
            startTime: Int64,
            lastReloadSuccessful: Bool,
            lastReloadTime: Int64,
            receivers: [Receiver]
        ) {
            self.version = version
            self.startTime = startTime
            self.lastReloadSuccessful = lastReloadSuccessful
            self.lastReloadTime = lastReloadTime
            self.receivers = receivers
        }
    }

    public static func render(_ status: Status) -> APIResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("version", status.version)
        writer.field("startTime", Timestamp.formatISO8601(milliseconds: status.startTime))
        writer.key("reload")
        writer.beginObject()
        writer.key("successful")
        writer.bool(status.lastReloadSuccessful)
        writer.field("lastSuccessTime", Timestamp.formatISO8601(milliseconds: status.lastReloadTime))
        writer.endObject()
        writer.key("receivers")
        writer.beginArray()
        for receiver in status.receivers {
            writer.beginObject()
            writer.field("name", receiver.name)
            writer.field("type", receiver.type)
            writer.field("sent", Int64(receiver.sent))
            writer.field("failed", Int64(receiver.failed))
            if let last = receiver.last {
                writer.key("last")
                writer.beginObject()
                writer.field("time", Timestamp.formatISO8601(milliseconds: last.time))
                writer.field("outcome", last.outcome)
                if let detail = last.detail { writer.field("detail", detail) }
                writer.endObject()
            }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return .json(writer)
    }
}
