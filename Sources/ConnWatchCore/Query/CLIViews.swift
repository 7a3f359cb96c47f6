/// A client connection state as the API returns it, read back by the CLI.
public struct ClientStateItem: Decodable, Sendable, Equatable {
    public var id: String
    public var clientType: String?
    public var connectionStatus: String
    public var lastConnectTime: String?
    public var lastDisconnectTime: String?
    public var lastActivityEvent: String?
    public var lastActivityTime: String?
    public var mqttConnectProtocol: String?
    public var transport: String?
    public var disconnectedBy: String?
    public var reasonCode: Int?
    public var reason: String?
    public var cause: String?
    public var clientAddress: String?
    public var broker: String?

    public init(id: String, connectionStatus: String) {
        self.id = id
        self.connectionStatus = connectionStatus
    }
}

/// A page of `GET /api/v0002/clientconnectionstates`.
public struct ClientStatePageItem: Decodable, Sendable {
    public var results: [ClientStateItem]
    public var bookmark: String?
}

/// A connection log entry as the API returns it.
public struct ConnectionLogItem: Decodable, Sendable {
    public var timestamp: String
    public var message: String
}

/// An alert as `GET /api/v1/alerts` returns it.
public struct AlertItem: Decodable, Sendable {
    public var fingerprint: String
    public var rule: String
    public var state: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: String
    public var silencedBy: [String]
    /// The firing alerts that inhibit it (absent from older daemons).
    public var inhibitedBy: [String]?
    public var inhibited: Bool
}

/// A silence as `GET /api/v1/silences` returns it.
public struct SilenceItem: Decodable, Sendable {
    public struct Matcher: Decodable, Sendable {
        public var name: String
        public var value: String
        public var isRegex: Bool
        public var isEqual: Bool
    }
    public struct Status: Decodable, Sendable {
        public var state: String
    }
    public var id: String
    public var status: Status
    public var matchers: [Matcher]
    public var startsAt: String
    public var endsAt: String
    public var comment: String
    public var createdBy: String
    public var source: String?
}

/// The CLI's tables: pure text, so tests pin them down.
public enum CLIViews {
    /// Columns padded to their widest cell, two spaces apart; the last column is not padded. Every
    /// cell goes through ``TerminalText/escape(_:keepingLineBreaks:)``: cells come from the feed.
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = ([header] + rows).map { $0.map { TerminalText.escape($0) } }
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.count)
            }
        }
        var lines: [String] = []
        for row in all {
            var line = ""
            for (column, cell) in row.enumerated() where column < widths.count {
                if column == row.count - 1 || column == widths.count - 1 {
                    line += cell
                } else {
                    line += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
                }
            }
            while line.last == " " { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `3m ago` for an ISO time `now` milliseconds; `-` when absent; the text itself if unreadable.
    public static func ago(_ time: String?, now: Int64) -> String {
        guard let time else { return "-" }
        guard let milliseconds = Timestamp.parseISO8601(time) else { return time }
        let elapsed = now - milliseconds
        if elapsed < 0 { return "in " + DurationText.format(milliseconds: -elapsed) }
        return DurationText.format(milliseconds: (elapsed / 1000) * 1000) + " ago"
    }

    /// Why the client last disconnected: `keep-alive timeout (cause keepalive_timeout, code 4)`.
    public static func reason(_ item: ClientStateItem) -> String {
        var details: [String] = []
        if let cause = item.cause { details.append(cause) }
        if let code = item.reasonCode { details.append("code \(code)") }
        if let reason = item.reason, !reason.isEmpty {
            return details.isEmpty ? reason : "\(reason) (\(details.joined(separator: ", ")))"
        }
        return details.isEmpty ? "-" : details.joined(separator: ", ")
    }

    /// `connwatch status`: client, status, since when, last reason, disconnected by.
    public static func statusTable(_ items: [ClientStateItem], now: Int64) -> String {
        let rows = items.map { item -> [String] in
            let since = item.connectionStatus == "connected" ? item.lastConnectTime : item.lastDisconnectTime
            return [
                item.id, item.connectionStatus, ago(since ?? item.lastActivityTime, now: now), reason(item),
                item.disconnectedBy ?? "-",
            ]
        }
        return table(["CLIENT", "STATUS", "SINCE", "LAST REASON", "DISCONNECTED BY"], rows)
    }

    /// `connwatch status CLIENT`: one client, field by field.
    public static func statusDetails(_ item: ClientStateItem, now: Int64) -> String {
        var rows: [[String]] = [["client", item.id], ["status", item.connectionStatus]]
        func time(_ name: String, _ value: String?) {
            if let value { rows.append([name, "\(value) (\(ago(value, now: now)))"]) }
        }
        time("last connect", item.lastConnectTime)
        time("last disconnect", item.lastDisconnectTime)
        if let event = item.lastActivityEvent { rows.append(["last activity", event]) }
        time("last activity time", item.lastActivityTime)
        if item.reason != nil || item.cause != nil || item.reasonCode != nil {
            rows.append(["last reason", reason(item)])
        }
        if let by = item.disconnectedBy { rows.append(["disconnected by", by]) }
        if let type = item.clientType { rows.append(["client type", type]) }
        if let level = item.mqttConnectProtocol {
            rows.append(["protocol", "MQTT \(level)" + (item.transport == "websocket" ? " over WebSocket" : "")])
        }
        if let address = item.clientAddress { rows.append(["address", address]) }
        if let broker = item.broker { rows.append(["broker", broker]) }
        return table(["FIELD", "VALUE"], rows).split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
    }

    /// `connwatch logs CLIENT`: newest first, one line per entry (control characters escaped).
    public static func logLines(_ entries: [ConnectionLogItem]) -> String {
        entries.map { TerminalText.escape("\($0.timestamp)  \($0.message)") + "\n" }.joined()
    }

    /// `connwatch alerts`.
    public static func alertsTable(_ alerts: [AlertItem], now: Int64) -> String {
        let rows = alerts.map { alert -> [String] in
            var muted: [String] = []
            if !alert.silencedBy.isEmpty { muted.append("silenced") }
            if alert.inhibited { muted.append("inhibited") }
            let subject = alert.labels["client_id"] ?? alert.labels["broker"] ?? "-"
            return [
                alert.state, alert.rule, subject, ago(alert.startsAt, now: now),
                muted.joined(separator: ",").ifEmpty("-"),
                alert.annotations["summary"] ?? "",
            ]
        }
        return table(["STATE", "ALERT", "CLIENT", "SINCE", "MUTED", "SUMMARY"], rows)
    }

    /// `connwatch silence list`.
    public static func silencesTable(_ silences: [SilenceItem], now: Int64) -> String {
        let rows = silences.map { silence -> [String] in
            let matchers = silence.matchers.map { matcher in
                let op = matcher.isRegex ? (matcher.isEqual ? "=~" : "!~") : (matcher.isEqual ? "=" : "!=")
                return "\(matcher.name)\(op)\(matcher.value)"
            }
            let ends = silence.status.state == "expired" ? "ended" : "ends"
            return [
                silence.id, silence.status.state, "\(ends) \(ago(silence.endsAt, now: now))",
                silence.createdBy.ifEmpty("-"), matchers.joined(separator: " "), silence.comment,
            ]
        }
        return table(["ID", "STATE", "UNTIL", "CREATED BY", "MATCHERS", "COMMENT"], rows)
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
