/// Settings every rule and receiver falls back to.
public struct DefaultsConfig: Sendable, Equatable {
    public var startupGrace: Int64
    public var receivers: [String]
    public var connectionLogSize: Int
    /// A broker unreachable this long raises the built-in `feed_down` alert (0: never).
    public var feedDownAfter: Int64
    /// Clients not connected and silent this long are forgotten (0: never, the default).
    public var forgetAfter: Int64
    /// Counting rules count an event by when it happened if it arrives at most this late; later
    /// ones are logged and not counted (default 10 minutes).
    public var maxLateness: Int64
    /// `group_by`, `group_wait`, `group_interval`, `repeat_interval` of the notifier.
    public var grouping: GroupingOptions
    /// Site-wide labels added to the labels of every rule's alerts (a rule's own label wins).
    public var externalLabels = LabelSet()

    public init(
        startupGrace: Int64 = 60_000,
        receivers: [String] = [],
        connectionLogSize: Int = 20,
        feedDownAfter: Int64 = 120_000,
        forgetAfter: Int64 = 0,
        maxLateness: Int64 = 600_000,
        grouping: GroupingOptions = GroupingOptions()
    ) {
        self.forgetAfter = forgetAfter
        self.maxLateness = maxLateness
        self.startupGrace = startupGrace
        self.receivers = receivers
        self.connectionLogSize = connectionLogSize
        self.feedDownAfter = feedDownAfter
        self.grouping = grouping
    }
}

/// The whole configuration file, validated.
public struct ConnWatchConfig: Sendable, Equatable {
    public var brokers: [BrokerConfig]
    public var defaults: DefaultsConfig
    public var receivers: [ReceiverConfig]
    public var offlineRules: [OfflineRule]
    /// `disconnects` and `failed_connects` rules.
    public var countingRules: [CountingRule]
    /// `fleet_offline` rules.
    public var fleetRules: [FleetRule]
    /// Top-level `inhibit:` rules.
    public var inhibitRules: [InhibitRule]
    /// Top-level `silences:`.
    public var silences: [Silence]
    /// Top-level `maintenance:` windows.
    public var maintenance: [MaintenanceWindow]
    /// The `api:` section.
    public var api: APIConfig
    /// What `check` and the journal warn about; the file is usable.
    public var warnings: [ConfigProblem] = []

    public init(
        brokers: [BrokerConfig] = [],
        defaults: DefaultsConfig = DefaultsConfig(),
        receivers: [ReceiverConfig] = [],
        offlineRules: [OfflineRule] = [],
        countingRules: [CountingRule] = [],
        fleetRules: [FleetRule] = [],
        inhibitRules: [InhibitRule] = [],
        silences: [Silence] = [],
        maintenance: [MaintenanceWindow] = [],
        api: APIConfig = APIConfig()
    ) {
        self.brokers = brokers
        self.defaults = defaults
        self.receivers = receivers
        self.offlineRules = offlineRules
        self.countingRules = countingRules
        self.fleetRules = fleetRules
        self.inhibitRules = inhibitRules
        self.silences = silences
        self.maintenance = maintenance
        self.api = api
    }

    /// How many rules of every kind.
    public var ruleCount: Int { offlineRules.count + countingRules.count + fleetRules.count }

    /// The engine's part of the configuration.
    public var engine: EngineConfiguration {
        var engine = EngineConfiguration(
            offlineRules: offlineRules,
            countingRules: countingRules,
            fleetRules: fleetRules,
            startupGrace: defaults.startupGrace,
            logCapacity: defaults.connectionLogSize,
            feedDownAfter: defaults.feedDownAfter,
            forgetAfter: defaults.forgetAfter,
            maxLateness: defaults.maxLateness
        )
        engine.externalLabels = defaults.externalLabels
        return engine
    }

    /// The receivers an alert of `rule` goes to.
    public func receivers(for alert: Alert) -> [ReceiverConfig] {
        let names = alert.receivers.isEmpty ? defaults.receivers : alert.receivers
        return names.compactMap { name in receivers.first { $0.name == name } }
    }
}
