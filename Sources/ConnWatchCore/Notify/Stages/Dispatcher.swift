/// How alerts of a receiver are grouped and how often the groups are flushed.
public struct GroupingOptions: Sendable, Equatable {
    /// The labels whose values make a group; `["..."]` groups by all labels (one group per alert).
    public var groupBy: [String]
    /// How long a new group waits for more alerts before its first notification.
    public var groupWait: Int64
    /// How long a group waits before notifying about changes after a notification.
    public var groupInterval: Int64
    /// How long an unchanged firing group waits before it is notified again.
    public var repeatInterval: Int64
    /// Whether an alert that starts firing or resolves in a group that has flushed is flushed at
    /// once rather than at the group's next `group_interval` (an `alertmanager` receiver posts each
    /// change as it happens, as Prometheus does, so that Alertmanager's own `group_wait` sees it).
    public var flushesChangesAtOnce: Bool

    /// With `flushesChangesAtOnce`, how soon after a group's last flush a change flushes it again:
    /// alerts firing one after another (a storm arriving over seconds) are posted together at most
    /// five times a second, not once per alert with the whole group each time; well within
    /// Alertmanager's `group_wait`, so they still reach one notification.
    public static let changeFlushSpacing: Int64 = 200

    /// Alertmanager's defaults: 30s, 5m, 4h; grouped by `alertname`.
    public init(
        groupBy: [String] = ["alertname"],
        groupWait: Int64 = 30_000,
        groupInterval: Int64 = 300_000,
        repeatInterval: Int64 = 14_400_000,
        flushesChangesAtOnce: Bool = false
    ) {
        self.groupBy = groupBy
        self.groupWait = groupWait
        self.groupInterval = groupInterval
        self.repeatInterval = repeatInterval
        self.flushesChangesAtOnce = flushesChangesAtOnce
    }

    /// Whether every label is a grouping label (`group_by: ['...']`).
    public var groupsByAll: Bool { groupBy.contains("...") }

    /// The group labels of an alert.
    public func groupLabels(of labels: LabelSet) -> LabelSet {
        if groupsByAll { return labels }
        var result = LabelSet()
        for name in groupBy { if let value = labels[name] { result[name] = value } }
        return result
    }
}

/// Where alerts go: one entry per receiver an alert is routed to.
public struct ReceiverRoute: Sendable, Equatable {
    /// The receiver's name.
    public var receiver: String
    /// Whether the receiver is told about resolved alerts.
    public var sendResolved: Bool
    /// The receiver's own grouping timers, in place of the dispatcher's (an `alertmanager`
    /// receiver re-posts its firing alerts every `resend_interval`); `nil` takes the dispatcher's.
    public var grouping: GroupingOptions?

    public init(receiver: String, sendResolved: Bool = true, grouping: GroupingOptions? = nil) {
        self.receiver = receiver
        self.sendResolved = sendResolved
        self.grouping = grouping
    }
}

/// What made a group flush.
public enum FlushTrigger: String, Sendable, Equatable {
    /// The group's first flush, after `group_wait`.
    case groupWait = "group_wait"
    /// A later flush, every `group_interval`.
    case groupInterval = "group_interval"
}

/// One flush of one aggregation group: every alert the group holds, firing and just resolved.
public struct GroupFlush: Sendable, Equatable {
    /// The receiver the group belongs to.
    public var receiver: String
    /// `receiver` + the group labels, e.g. `ops:{alertname="device_offline"}`; unique per group.
    public var groupKey: String
    /// The `group_by` labels' values.
    public var groupLabels: LabelSet
    /// Firing and resolved alerts, ordered by fingerprint.
    public var alerts: [Alert]
    /// The flush time (the deadline that elapsed).
    public var at: Int64
    /// Which timer elapsed.
    public var trigger: FlushTrigger
    /// Whether the receiver wants resolved alerts.
    public var sendResolved: Bool
    /// The group's `repeat_interval`, for the dedup stage.
    public var repeatInterval: Int64
}

/// One aggregation group: the alerts of one receiver that share the `group_by` label values.
public struct AggregationGroup: Sendable, Equatable {
    /// The receiver and whether it wants resolved alerts.
    public var route: ReceiverRoute
    /// See `GroupFlush.groupKey`.
    public var key: String
    /// The `group_by` labels' values.
    public var labels: LabelSet
    /// The group's timers: the route's own or the dispatcher's.
    public var options: GroupingOptions
    /// The alerts by fingerprint.
    public var alerts: [String: Alert]
    /// When the group flushes next.
    public var nextFlush: Int64
    /// When it last flushed (`Int64.min` before its first flush).
    public var lastFlush: Int64 = .min
    /// Whether the group has flushed at least once.
    public var hasFlushed: Bool { lastFlush != .min }
}

/// The route and group stages as a state machine: alert changes go in, `GroupFlush`es come out
/// when the grouping timers elapse. No clock: the caller passes `now` and asks for `nextDeadline`.
public struct Dispatcher: Sendable {
    /// The grouping of every receiver.
    public var options: GroupingOptions
    /// The receivers an alert goes to.
    public var routes: @Sendable (Alert) -> [ReceiverRoute]
    /// The groups by key.
    public private(set) var groups: [String: AggregationGroup] = [:]

    public init(options: GroupingOptions, routes: @escaping @Sendable (Alert) -> [ReceiverRoute]) {
        self.options = options
        self.routes = routes
    }

    /// Puts a firing or resolved alert into the groups of its receivers. Pending alerts are ignored,
    /// and so are resolved alerts no group knows (nothing was said about them).
    public mutating func receive(_ change: AlertChange, now: Int64) {
        let alert = change.alert
        guard alert.state != .pending else { return }
        let defaultGroupLabels = options.groupLabels(of: alert.labels)
        for route in routes(alert) {
            let options = route.grouping ?? self.options
            let groupLabels = route.grouping == nil ? defaultGroupLabels : options.groupLabels(of: alert.labels)
            let key = "\(route.receiver):\(groupLabels)"
            if var group = groups[key] {
                // A group is being modified in place: take it out first so the dictionary does not copy it.
                groups[key] = nil
                let known = group.alerts[alert.fingerprint]
                if alert.state == .firing || known != nil {
                    if options.flushesChangesAtOnce && known?.state != alert.state {
                        let spaced =
                            group.lastFlush == .min ? now : group.lastFlush + GroupingOptions.changeFlushSpacing
                        group.nextFlush = min(group.nextFlush, max(now, spaced))
                    }
                    group.alerts[alert.fingerprint] = alert
                }
                group.route = route
                group.options = options
                groups[key] = group
            } else if alert.state == .firing {
                // Alertmanager flushes at once when the alert is older than group_wait (e.g. after a restart).
                let wait = alert.startsAt + options.groupWait < now ? 0 : options.groupWait
                groups[key] = AggregationGroup(
                    route: route,
                    key: key,
                    labels: groupLabels,
                    options: options,
                    alerts: [alert.fingerprint: alert],
                    nextFlush: now + wait
                )
            }
        }
    }

    /// The earliest time a group flushes, or `nil` if there are no groups.
    public var nextDeadline: Int64? { groups.values.lazy.map(\.nextFlush).min() }

    /// Flushes every group whose deadline is at or before `now`, oldest deadline first. Resolved
    /// alerts are flushed once and then dropped; a group left empty is removed.
    public mutating func advance(to now: Int64) -> [GroupFlush] {
        let due = groups.values.filter { $0.nextFlush <= now }.sorted {
            ($0.nextFlush, $0.key) < ($1.nextFlush, $1.key)
        }
        var flushes: [GroupFlush] = []
        flushes.reserveCapacity(due.count)
        for dueGroup in due {
            guard var group = groups.removeValue(forKey: dueGroup.key) else { continue }
            flushes.append(
                GroupFlush(
                    receiver: group.route.receiver,
                    groupKey: group.key,
                    groupLabels: group.labels,
                    alerts: group.alerts.values.sorted { $0.fingerprint < $1.fingerprint },
                    at: group.nextFlush,
                    trigger: group.hasFlushed ? .groupInterval : .groupWait,
                    sendResolved: group.route.sendResolved,
                    repeatInterval: group.options.repeatInterval
                )
            )
            group.alerts = group.alerts.filter { $0.value.state == .firing }
            guard !group.alerts.isEmpty else { continue }
            group.lastFlush = now
            let next = group.nextFlush + group.options.groupInterval
            group.nextFlush = next > now ? next : now + group.options.groupInterval
            groups[group.key] = group
        }
        return flushes
    }

    /// Every alert the groups hold, once each (an alert routed to two receivers is in two groups).
    public var alerts: [Alert] {
        var seen: [String: Alert] = [:]
        for group in groups.values { for (fingerprint, alert) in group.alerts { seen[fingerprint] = alert } }
        return seen.values.sorted { $0.fingerprint < $1.fingerprint }
    }
}
