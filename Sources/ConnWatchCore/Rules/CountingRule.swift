/// "At least `count` matching events within `window`": the `disconnects` and `failed_connects`
/// rule kinds. The alert fires at the event that reaches the count and resolves once the window
/// no longer holds `count` events.
public struct CountingRule: Sendable, Equatable {
    /// Which events a counting rule counts.
    public enum Kind: String, Sendable, Equatable {
        /// Disconnects (session takeovers never count: the client is still connected).
        case disconnects
        /// Refused connection attempts.
        case failedConnects = "failed_connects"
        /// State changes (connected ↔ disconnected) of one client: flapping.
        case flapping
    }

    /// What the events are counted per.
    public enum Grouping: Sendable, Equatable {
        /// Each client on its own (the default).
        case client
        /// Per source address (`failed_connects` against one address, whatever the client id).
        case address
        /// Per value of a client label (`broker`, `type_id`, …): one alert for the group.
        case label(ClientLabel)
    }

    public var name: String
    public var kind: Kind
    public var match: ClientMatcher
    public var count: Int
    /// A firing alert resolves once the window holds fewer than this many events (hysteresis);
    /// `count` unless the rule says otherwise (flapping: half of `count` by default).
    public var resolveBelow: Int
    /// Milliseconds.
    public var window: Int64
    /// Count only events whose initiator is one of these (empty: any).
    public var initiators: [DisconnectInitiator]
    /// Count only events whose normalised cause is one of these (empty: any).
    public var causes: [DisconnectCause]
    /// Count only events with one of these native reason codes (empty: any).
    public var reasonCodes: [Int]
    public var grouping: Grouping
    public var severity: String
    public var labels: LabelSet
    public var annotations: [(name: String, template: TextTemplate)]
    public var receivers: [String]

    public init(
        name: String,
        kind: Kind,
        match: ClientMatcher = ClientMatcher(),
        count: Int,
        resolveBelow: Int? = nil,
        window: Int64,
        initiators: [DisconnectInitiator] = [],
        causes: [DisconnectCause] = [],
        reasonCodes: [Int] = [],
        grouping: Grouping = .client,
        severity: String = "warning",
        labels: LabelSet = LabelSet(),
        annotations: [(name: String, template: TextTemplate)]? = nil,
        receivers: [String] = []
    ) {
        self.name = name
        self.kind = kind
        self.match = match
        self.count = count
        self.resolveBelow = min(max(resolveBelow ?? (kind == .flapping ? max(count / 2, 1) : count), 1), count)
        self.window = window
        self.initiators = initiators
        self.causes = causes
        self.reasonCodes = reasonCodes
        self.grouping = grouping
        self.severity = severity
        self.labels = labels
        self.annotations = annotations ?? Self.defaultAnnotations(kind)
        self.receivers = receivers
    }

    /// Whether `event` is one this rule counts (the client match is checked separately).
    public func counts(_ event: StatusEvent) -> Bool {
        switch kind {
        case .disconnects:
            guard event.action == .disconnect, event.cause != .sessionTakeover else { return false }
        case .failedConnects:
            guard event.action == .failedConnect else { return false }
        case .flapping:
            return event.action != .failedConnect
        }
        if !initiators.isEmpty && !initiators.contains(event.initiator ?? .unknown) { return false }
        if !causes.isEmpty && !causes.contains(event.cause ?? .unknown) { return false }
        if !reasonCodes.isEmpty && !reasonCodes.contains(event.reasonCode ?? -1) { return false }
        return true
    }

    /// The annotations a counting alert carries when the rule names none.
    public static func defaultAnnotations(_ kind: Kind) -> [(name: String, template: TextTemplate)] {
        let what: String
        switch kind {
        case .disconnects: what = "disconnects"
        case .failedConnects: what = "failed connects"
        case .flapping: what = "connection state changes"
        }
        return [
            ("summary", TextTemplate(validated: "{{group}}: {{count}} \(what) within {{window}}")),
            (
                "description",
                TextTemplate(validated: "Last: {{cause}} by {{disconnected_by}}, code {{reason_code}}: {{reason}}")
            ),
        ]
    }

    public static func == (lhs: CountingRule, rhs: CountingRule) -> Bool {
        lhs.name == rhs.name && lhs.kind == rhs.kind && lhs.match == rhs.match && lhs.count == rhs.count
            && lhs.resolveBelow == rhs.resolveBelow && lhs.window == rhs.window && lhs.initiators == rhs.initiators
            && lhs.causes == rhs.causes
            && lhs.reasonCodes == rhs.reasonCodes && lhs.grouping == rhs.grouping && lhs.severity == rhs.severity
            && lhs.labels == rhs.labels && lhs.receivers == rhs.receivers
            && lhs.annotations.count == rhs.annotations.count
            && zip(lhs.annotations, rhs.annotations).allSatisfy { $0.name == $1.name && $0.template == $1.template }
    }
}
