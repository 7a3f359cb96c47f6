/// "At least `ratio` (or `count`) of the matched clients are offline": the `fleet_offline` rule
/// kind, per value of a label (e.g. each device type). While it fires it inhibits the per-client
/// alerts of its group, so an outage is one message instead of thousands.
public struct FleetRule: Sendable, Equatable {
    public var name: String
    public var match: ClientMatcher
    /// One group per value of this label; `nil`: all matched clients are one group.
    public var groupBy: ClientLabel?
    /// Fires when at least this fraction (0…1) of the group is offline.
    public var ratio: Double?
    /// Fires when at least this many clients of the group are offline.
    public var count: Int?
    /// Groups smaller than this never fire.
    public var minClients: Int
    /// How long the condition must hold (milliseconds).
    public var forDuration: Int64
    /// Whether the firing alert suppresses the per-client alerts of its group.
    public var inhibit: Bool
    public var severity: String
    public var labels: LabelSet
    public var annotations: [(name: String, template: TextTemplate)]
    public var receivers: [String]

    public init(
        name: String,
        match: ClientMatcher = ClientMatcher(),
        groupBy: ClientLabel? = nil,
        ratio: Double? = nil,
        count: Int? = nil,
        minClients: Int = 1,
        forDuration: Int64 = 0,
        inhibit: Bool = true,
        severity: String = "critical",
        labels: LabelSet = LabelSet(),
        annotations: [(name: String, template: TextTemplate)] = FleetRule.defaultAnnotations,
        receivers: [String] = []
    ) {
        self.name = name
        self.match = match
        self.groupBy = groupBy
        self.ratio = ratio
        self.count = count
        self.minClients = minClients
        self.forDuration = forDuration
        self.inhibit = inhibit
        self.severity = severity
        self.labels = labels
        self.annotations = annotations
        self.receivers = receivers
    }

    /// Whether `offline` of `total` clients meet the rule's threshold.
    public func holds(offline: Int, total: Int) -> Bool {
        guard total >= max(minClients, 1) else { return false }
        if let count, offline < count { return false }
        if let ratio, Double(offline) < ratio * Double(total) { return false }
        return count != nil || ratio != nil
    }

    /// The annotations a fleet alert carries when the rule names none.
    public static let defaultAnnotations: [(name: String, template: TextTemplate)] = [
        (
            "summary",
            TextTemplate(
                validated: "{{group}}: {{offline_clients}} of {{total_clients}} clients offline ({{offline_percent}}%)"
            )
        )
    ]

    public static func == (lhs: FleetRule, rhs: FleetRule) -> Bool {
        lhs.name == rhs.name && lhs.match == rhs.match && lhs.groupBy == rhs.groupBy && lhs.ratio == rhs.ratio
            && lhs.count == rhs.count && lhs.minClients == rhs.minClients && lhs.forDuration == rhs.forDuration
            && lhs.inhibit == rhs.inhibit && lhs.severity == rhs.severity && lhs.labels == rhs.labels
            && lhs.receivers == rhs.receivers && lhs.annotations.count == rhs.annotations.count
            && zip(lhs.annotations, rhs.annotations).allSatisfy { $0.name == $1.name && $0.template == $1.template }
    }
}
