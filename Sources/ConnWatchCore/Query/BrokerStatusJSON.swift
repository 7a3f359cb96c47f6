import Foundation

/// `GET /api/v1/brokers` and its line in `connwatch status`.
public enum BrokerStatusJSON {
    /// `{"brokers": [...]}`.
    public static func render(_ items: [BrokerStatusItem]) -> APIResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("brokers")
        writer.beginArray()
        for item in items {
            writer.beginObject()
            writer.field("name", item.name)
            writer.key("connected")
            writer.bool(item.connected)
            writer.field("since", item.since)
            if let reason = item.reason { writer.field("reason", reason) }
            if let message = item.message { writer.field("message", message) }
            writer.field("consecutiveFailures", Int64(item.consecutiveFailures))
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return .json(writer)
    }

    /// The brokers of an answer, or `nil` if it is not one.
    public static func parse(_ body: [UInt8]) -> [BrokerStatusItem]? {
        struct Page: Decodable { var brokers: [BrokerStatusItem] }
        return try? JSONDecoder().decode(Page.self, from: Data(body)).brokers
    }

    /// One line per broker that is not connected, for the top of `connwatch status`:
    /// `broker main not connected since …: TLS server certificate … (12 failed attempts)`.
    public static func downLines(_ items: [BrokerStatusItem]) -> String {
        var text = ""
        for item in items where !item.connected {
            text += "broker \(TerminalText.escape(item.name)) not connected since \(item.since)"
            if let message = item.message { text += ": \(TerminalText.escape(message))" }
            if item.consecutiveFailures > 0 { text += " (\(item.consecutiveFailures) failed attempts)" }
            text += "\n"
        }
        return text
    }
}
