/// A change in an alert's state that people may need to hear about.
public struct AlertChange: Sendable, Equatable {
    public var alert: Alert
    public init(alert: Alert) { self.alert = alert }
}

/// What the engine changed since the store last saved it.
public struct EngineChanges: Sendable {
    /// Clients an event touched (their state as it is now).
    public var clients: [ClientState] = []
    /// Connection-log entries made since, oldest first, to append to the clients' saved logs.
    public var log: [ClientLogEntry] = []
    /// How many entries a client's saved log keeps (`defaults.log_capacity`).
    public var logCapacity = 20
    /// Counting-rule windows that changed; records that are no longer live are to be deleted.
    public var counters: [CounterRecord] = []
    /// A reload renumbered the counting rules: `counters` holds all of them, replacing what is saved.
    public var replaceCounters = false
    /// Clients forgotten (silent for `forget_after`, or on request): their rows are to be deleted.
    /// A client heard of again after it was forgotten is also in `clients`, and that state wins.
    public var forgotten: [ForgottenClient] = []

    public init() {}
}

/// A client the engine forgot, and why.
public struct ForgottenClient: Sendable, Equatable {
    public var clientID: String
    /// Why, for the journal and the resolve of its alerts (e.g. "no event for 30d").
    public var reason: String

    public init(clientID: String, reason: String) {
        self.clientID = clientID
        self.reason = reason
    }
}

/// One counting rule's window for one group, as saved.
public struct CounterRecord: Sendable, Equatable {
    public var rule: String
    public var key: String
    /// The counted events' times, oldest first.
    public var times: [Int64]
    /// The client of the last counted event.
    public var lastClient: String
    /// The alert while firing.
    public var alert: Alert?
    /// Whether people were told the alert fires.
    public var notified: Bool
    /// `false` when the window is empty and no alert fires: the record can be deleted.
    public var isLive: Bool
    /// How late (ms) the event that made the window pending or firing arrived: its verdicts wait
    /// that long after the window's times, before and after a restart alike.
    public var delay: Int64

    public init(
        rule: String,
        key: String,
        times: [Int64],
        lastClient: String,
        alert: Alert?,
        notified: Bool,
        isLive: Bool = true,
        delay: Int64 = 0
    ) {
        self.delay = delay
        self.rule = rule
        self.key = key
        self.times = times
        self.lastClient = lastClient
        self.alert = alert
        self.notified = notified
        self.isLive = isLive
    }
}

/// One entry of one client's connection log.
public struct ClientLogEntry: Sendable, Equatable {
    public var clientID: String
    public var entry: ConnectionLogEntry

    public init(clientID: String, entry: ConnectionLogEntry) {
        self.clientID = clientID
        self.entry = entry
    }
}
