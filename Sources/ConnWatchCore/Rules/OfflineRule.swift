/// "A client has been disconnected for longer than `for`": the `offline` rule kind.
public struct OfflineRule: Sendable, Equatable {
    /// What starts the rule's clock.
    public enum Condition: String, Sendable, Equatable {
        /// `offline`: the client disconnected; a connect ends it.
        case disconnected
        /// `inactive` with `basis: connect`: the client's last successful connect.
        case noConnect = "connect"
        /// `inactive` with `basis: activity`: the client's last event of any kind.
        case noActivity = "activity"
    }

    public var name: String
    /// `disconnected` for the `offline` kind; the others are the `inactive` kind.
    public var condition: Condition
    public var match: ClientMatcher
    /// How long a client must stay disconnected before the alert fires, in milliseconds.
    public var forDuration: Int64
    /// How long an alert keeps firing after the client came back (`offline` only; 0: resolves at
    /// once). A client that drops again within it continues the same alert: no new notification.
    public var keepFiringFor: Int64 = 0
    /// `offline` only: a client known from an earlier run that no event mentions until
    /// `startup_grace` ends counts as offline from then. For feeds that re-announce every client
    /// on subscribe (retained status: Watson IoT devices, LWT); off by default.
    public var unseenIsOffline = false
    public var severity: String
    /// Extra labels every alert of the rule carries.
    public var labels: LabelSet
    /// Annotation templates (`{{client_id}}`, `{{offline_for}}`, …), rendered when the alert fires.
    public var annotations: [(name: String, template: TextTemplate)]
    /// Receiver names; empty means the configuration's default receivers.
    public var receivers: [String]

    public init(
        name: String,
        match: ClientMatcher = ClientMatcher(),
        forDuration: Int64,
        severity: String = "warning",
        labels: LabelSet = LabelSet(),
        annotations: [(name: String, template: TextTemplate)] = OfflineRule.defaultAnnotations,
        receivers: [String] = [],
        condition: Condition = .disconnected
    ) {
        self.condition = condition
        self.name = name
        self.match = match
        self.forDuration = forDuration
        self.severity = severity
        self.labels = labels
        self.annotations = annotations
        self.receivers = receivers
    }

    /// The annotations an offline alert carries when the rule names none.
    public static let defaultAnnotations: [(name: String, template: TextTemplate)] = [
        ("summary", TextTemplate(validated: "{{client_id}} offline for {{offline_for}}")),
        (
            "description",
            TextTemplate(
                validated:
                    "{{client_id}} disconnected at {{offline_since}} ({{cause}}, by {{disconnected_by}}, "
                    + "code {{reason_code}}: {{reason}})"
            )
        ),
    ]

    /// The annotations an inactive alert carries when the rule names none.
    public static let inactiveAnnotations: [(name: String, template: TextTemplate)] = [
        ("summary", TextTemplate(validated: "{{client_id}}: no successful connect for {{offline_for}}")),
        ("description", TextTemplate(validated: "{{client_id}} is {{status}}; last seen {{offline_since}}")),
    ]

    public static func == (lhs: OfflineRule, rhs: OfflineRule) -> Bool {
        lhs.name == rhs.name && lhs.condition == rhs.condition && lhs.match == rhs.match
            && lhs.forDuration == rhs.forDuration && lhs.keepFiringFor == rhs.keepFiringFor
            && lhs.unseenIsOffline == rhs.unseenIsOffline
            && lhs.severity == rhs.severity && lhs.labels == rhs.labels && lhs.receivers == rhs.receivers
            && lhs.annotations.count == rhs.annotations.count
            && zip(lhs.annotations, rhs.annotations).allSatisfy { $0.name == $1.name && $0.template == $1.template }
    }
}
