/// "A client has been disconnected for longer than `for`": the `offline` rule kind.
public struct OfflineRule: Sendable, Equatable {
    public var name: String
    public var match: ClientMatcher
    /// How long a client must stay disconnected before the alert fires, in milliseconds.
    public var forDuration: Int64
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
        receivers: [String] = []
    ) {
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

    public static func == (lhs: OfflineRule, rhs: OfflineRule) -> Bool {
        lhs.name == rhs.name && lhs.match == rhs.match && lhs.forDuration == rhs.forDuration
            && lhs.severity == rhs.severity && lhs.labels == rhs.labels && lhs.receivers == rhs.receivers
            && lhs.annotations.count == rhs.annotations.count
            && zip(lhs.annotations, rhs.annotations).allSatisfy { $0.name == $1.name && $0.template == $1.template }
    }
}
