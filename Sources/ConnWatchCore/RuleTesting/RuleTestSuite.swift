/// A rule unit-test file (`connwatch test-rules`), parsed: the rule files it tests and its tests.
/// Times in a test are absolute milliseconds since the Unix epoch (the file's offsets plus `start`).
public struct RuleTestSuite: Sendable, Equatable {
    /// The test file, as named to the parser.
    public var file: String
    /// The rule files, as written (relative paths are relative to the test file's folder).
    public var ruleFiles: [RuleFileReference]
    public var tests: [RuleTestCase]

    public init(file: String, ruleFiles: [RuleFileReference], tests: [RuleTestCase]) {
        self.file = file
        self.ruleFiles = ruleFiles
        self.tests = tests
    }
}

/// One entry of `rule_files`, with its position in the test file (for problems about it).
public struct RuleFileReference: Sendable, Equatable {
    public var path: String
    public var line: Int
    public var column: Int

    public init(path: String, line: Int, column: Int) {
        self.path = path
        self.line = line
        self.column = column
    }
}

/// One test: status events at offsets from `start` and the alerts expected at given offsets.
public struct RuleTestCase: Sendable, Equatable {
    public var name: String
    /// The engine's start time (milliseconds since the Unix epoch).
    public var start: Int64
    /// Overrides the rule files' `defaults.startup_grace` (milliseconds) when set.
    public var startupGrace: Int64?
    /// In the order they are applied: by time, events at the same time in file order.
    public var events: [RuleTestEvent]
    /// In time order.
    public var expectations: [AlertExpectation]
    /// The alert changes expected, in order; `nil` when the test does not check them.
    public var notifications: [ExpectedNotification]?

    public init(
        name: String,
        start: Int64 = RuleTestCase.defaultStart,
        startupGrace: Int64? = nil,
        events: [RuleTestEvent] = [],
        expectations: [AlertExpectation] = [],
        notifications: [ExpectedNotification]? = nil
    ) {
        self.name = name
        self.start = start
        self.startupGrace = startupGrace
        self.events = events
        self.expectations = expectations
        self.notifications = notifications
    }

    /// The start time when a test names none: 2026-01-01T00:00:00Z.
    public static let defaultStart: Int64 = 1_767_225_600_000
}

/// A status event the test feeds to the engine.
public struct RuleTestEvent: Sendable, Equatable {
    /// When the event arrives (absolute milliseconds).
    public var at: Int64
    /// The broker name the event is reported by (the `broker` label); `nil`: the rule files'
    /// first broker, or `test` when they name none.
    public var broker: String?
    /// The event; its `time` is when the feed says it happened (defaults to `at`).
    public var event: StatusEvent

    public init(at: Int64, broker: String? = nil, event: StatusEvent) {
        self.at = at
        self.broker = broker
        self.event = event
    }
}

/// The alerts expected to be firing at one time: exactly these, no more, no fewer.
public struct AlertExpectation: Sendable, Equatable {
    /// Absolute milliseconds.
    public var at: Int64
    public var alerts: [ExpectedAlert]

    public init(at: Int64, alerts: [ExpectedAlert]) {
        self.at = at
        self.alerts = alerts
    }
}

/// An alert as a test describes it: the labels and annotations given must be present with these
/// values; labels and annotations not given are not checked.
public struct ExpectedAlert: Sendable, Equatable, CustomStringConvertible {
    public var labels: LabelSet
    public var annotations: LabelSet

    public init(labels: LabelSet, annotations: LabelSet = LabelSet()) {
        self.labels = labels
        self.annotations = annotations
    }

    /// Whether `alert` carries every label and annotation given here.
    public func matches(labelsOf alert: Alert) -> Bool {
        labels.allSatisfy { alert.labels[$0.name] == $0.value }
    }

    /// Whether `alert` carries every label and annotation given here.
    public func matches(_ alert: Alert) -> Bool {
        matches(labelsOf: alert) && annotations.allSatisfy { alert.annotations[$0.name] == $0.value }
    }

    public var description: String {
        annotations.isEmpty ? labels.description : "\(labels) annotations \(annotations)"
    }
}

/// An alert change a test expects: the alert fired or resolved at `at`.
public struct ExpectedNotification: Sendable, Equatable {
    /// Absolute milliseconds.
    public var at: Int64
    /// `firing` or `resolved`.
    public var state: AlertState
    public var alert: ExpectedAlert

    public init(at: Int64, state: AlertState, alert: ExpectedAlert) {
        self.at = at
        self.state = state
        self.alert = alert
    }
}
