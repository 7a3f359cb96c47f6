/// What was last sent to one receiver about one group.
public struct NotificationLogEntry: Sendable, Equatable, Codable {
    /// Fingerprints of the alerts that were firing.
    public var firing: Set<String>
    /// Fingerprints of the alerts that were resolved.
    public var resolved: Set<String>
    /// When it was sent (milliseconds since the epoch).
    public var sentAt: Int64
    /// When the entry may be forgotten: two repeat intervals after `sentAt`, as in Alertmanager.
    public var expiresAt: Int64

    public init(firing: Set<String>, resolved: Set<String>, sentAt: Int64, expiresAt: Int64) {
        self.firing = firing
        self.resolved = resolved
        self.sentAt = sentAt
        self.expiresAt = expiresAt
    }

    /// A stable hash of the firing fingerprints (FNV-1a, 16 hex digits), for logs and comparisons.
    public var firingHash: String { StageHash.hex(of: firing.sorted()) }
}

/// Why a notification is sent, as Alertmanager's `notification_reason`.
public enum NotifyReason: String, Sendable, Equatable, Codable {
    /// Nothing was sent for the group before, or everything had resolved since.
    case firstNotification = "first_notification"
    /// Alerts fire that the last notification did not list as firing.
    case newAlertsInGroup = "new_alerts_in_group"
    /// Nothing fires any more, but the last notification had firing alerts.
    case allAlertsResolved = "all_alerts_resolved"
    /// Alerts resolved since the last notification (receivers with `send_resolved` only).
    case newResolvedAlerts = "new_resolved_alerts"
    /// Nothing changed, but `repeat_interval` has passed.
    case repeatIntervalElapsed = "repeat_interval_elapsed"

    /// The words of Alertmanager's webhook `notification_reason`, e.g. `new alerts in group`.
    public var words: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

/// The notification log: the dedup stage's memory of what each receiver was told about each group.
/// Codable, so the daemon can persist it and a restart neither repeats nor loses a notification.
public struct NotificationLog: Sendable, Equatable, Codable {
    /// Entries keyed by group key (which starts with the receiver's name).
    public private(set) var entries: [String: NotificationLogEntry]

    public init(entries: [String: NotificationLogEntry] = [:]) {
        self.entries = entries
    }

    /// The entry for a group, if any.
    public subscript(groupKey: String) -> NotificationLogEntry? { entries[groupKey] }

    /// Whether a notification with these alerts must be sent, and why; `nil` means "nothing new".
    /// Mirrors Alertmanager's `DedupStage.needsUpdate`.
    public func reason(
        groupKey: String,
        firing: Set<String>,
        resolved: Set<String>,
        sendResolved: Bool,
        repeatInterval: Int64,
        now: Int64
    ) -> NotifyReason? {
        guard let entry = entries[groupKey], !entry.firing.isEmpty || !firing.isEmpty else {
            return firing.isEmpty ? nil : .firstNotification
        }
        if entry.firing.isEmpty { return .firstNotification }
        if !firing.isSubset(of: entry.firing) { return .newAlertsInGroup }
        if firing.isEmpty { return .allAlertsResolved }
        if sendResolved && !resolved.isSubset(of: entry.resolved) { return .newResolvedAlerts }
        return entry.sentAt + repeatInterval <= now ? .repeatIntervalElapsed : nil
    }

    /// Records what was sent.
    public mutating func record(
        groupKey: String,
        firing: Set<String>,
        resolved: Set<String>,
        at now: Int64,
        repeatInterval: Int64
    ) {
        entries[groupKey] = NotificationLogEntry(
            firing: firing,
            resolved: resolved,
            sentAt: now,
            expiresAt: now + 2 * repeatInterval
        )
    }

    /// Forgets entries that expired at or before `now`.
    public mutating func prune(at now: Int64) {
        entries = entries.filter { $0.value.expiresAt > now }
    }
}

/// FNV-1a over strings, for stable ids.
enum StageHash {
    static func hex(of parts: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0xff
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
