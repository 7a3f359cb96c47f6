/// Where an alert is in its life.
public enum AlertState: String, Sendable, Hashable, Codable {
    /// The condition holds but has not lasted long enough.
    case pending
    /// The condition has lasted long enough: people are told.
    case firing
    /// The condition no longer holds.
    case resolved
}

/// One alert: a rule's verdict about one client (or group), identified by its labels.
public struct Alert: Sendable, Equatable, Codable {
    /// Stable identity: the hash of the labels (which include `alertname`).
    public var fingerprint: String
    public var rule: String
    public var labels: LabelSet
    public var annotations: LabelSet
    public var state: AlertState
    /// When the condition began (for `offline`: the disconnect time).
    public var activeSince: Int64
    /// When the alert fired.
    public var startsAt: Int64
    /// When it resolved; `nil` while firing.
    public var endsAt: Int64?
    /// Receivers the rule routes to (empty: the defaults).
    public var receivers: [String]

    public init(
        labels: LabelSet,
        annotations: LabelSet,
        rule: String,
        state: AlertState,
        activeSince: Int64,
        startsAt: Int64,
        endsAt: Int64? = nil,
        receivers: [String] = []
    ) {
        self.fingerprint = labels.fingerprint
        self.rule = rule
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.activeSince = activeSince
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.receivers = receivers
    }
}
