/// One notification the pipeline decided to send, with the group it is about and why.
public struct GroupNotification: Sendable, Equatable {
    /// What to render and enqueue; its id is stable for this flush and unique across flushes.
    public var notification: Notification
    /// The aggregation group's key (receiver + group labels).
    public var groupKey: String
    /// The `group_by` labels' values, for templates.
    public var groupLabels: LabelSet
    /// Alertmanager's `notification_reason`.
    public var reason: NotifyReason
}

/// The notifier's stages composed: dispatcher (route, group) → inhibit → maintenance windows →
/// silences → dedup against the notification log. A value type with no clock and no I/O: the
/// daemon feeds it alert changes, asks for `nextDeadline`, calls `advance(to:)` then, and persists
/// `log` after every `advance` that returned notifications.
public struct NotificationPipeline: Sendable {
    /// The route and group stages.
    public private(set) var dispatcher: Dispatcher
    /// The inhibition stage.
    public var inhibitor: Inhibitor
    /// The maintenance-window stage.
    public var maintenance: [MaintenanceWindow]
    /// The silence stage: the configuration file's silences and `apiSilences`.
    public var silences: SilenceSet
    /// Silences made through the API (`addSilence`); they outlive a reconfiguration.
    public internal(set) var apiSilences: [Silence] = []
    /// The dedup stage's memory; persist it.
    public private(set) var log: NotificationLog
    /// Every alert firing now, by fingerprint: the potential inhibition sources.
    public private(set) var firing: [String: Alert] = [:]
    /// Group keys whose log entry changed since the store last saved them.
    private var unsavedLog: Set<String> = []

    /// A pipeline from its parts.
    public init(
        options: GroupingOptions,
        routes: @escaping @Sendable (Alert) -> [ReceiverRoute],
        inhibitor: Inhibitor = Inhibitor(),
        maintenance: [MaintenanceWindow] = [],
        silences: SilenceSet = SilenceSet(),
        log: NotificationLog = NotificationLog()
    ) {
        self.dispatcher = Dispatcher(options: options, routes: routes)
        self.inhibitor = inhibitor
        self.maintenance = maintenance
        self.silences = silences
        self.log = log
    }

    /// A pipeline for a configuration: its defaults' grouping, its receivers (and their
    /// `send_resolved`), inhibit rules, maintenance windows and silences; `log` as persisted.
    public init(config: ConnWatchConfig, log: NotificationLog = NotificationLog()) {
        self.init(
            options: config.defaults.grouping,
            routes: Self.routes(config),
            inhibitor: Inhibitor(rules: config.inhibitRules),
            maintenance: config.maintenance,
            silences: SilenceSet(config.silences),
            log: log
        )
    }

    private static func routes(_ config: ConnWatchConfig) -> @Sendable (Alert) -> [ReceiverRoute] {
        { alert in
            config.receivers(for: alert).map { receiver in
                ReceiverRoute(
                    receiver: receiver.name,
                    sendResolved: receiver.sendResolved,
                    grouping: receiver.grouping(defaults: config.defaults.grouping)
                )
            }
        }
    }

    /// Takes the engine's alert changes (pending ones are ignored).
    public mutating func receive(_ changes: some Sequence<AlertChange>, now: Int64) {
        for change in changes {
            let alert = change.alert
            switch alert.state {
            case .pending: continue
            case .firing: firing[alert.fingerprint] = alert
            case .resolved: firing[alert.fingerprint] = nil
            }
            dispatcher.receive(change, now: now)
        }
    }

    /// When `advance(to:)` has something to do next; `nil` while no group exists.
    public var nextDeadline: Int64? { dispatcher.nextDeadline }

    /// Flushes the groups that are due and runs each flush through inhibit, maintenance, silence
    /// and dedup. Returns the notifications to render and enqueue, in flush order.
    ///
    /// `current` gives each flushed alert as it reads now (a fleet alert's counts), so a
    /// notification never repeats what was true when the alert first fired.
    public mutating func advance(
        to now: Int64,
        current: (Alert) -> Alert = { $0 }
    ) -> [GroupNotification] {
        var flushes = dispatcher.advance(to: now)
        guard !flushes.isEmpty else { return [] }
        for index in flushes.indices { flushes[index].alerts = flushes[index].alerts.map(current) }
        log.prune(at: now)
        let inhibition = inhibitor.rules.isEmpty ? nil : inhibitor.index(firing: firing.values)
        let activeWindows = maintenance.filter { $0.isActive(at: now) }
        let activeSilences = SilenceSet(silences.silences.filter { $0.isActive(at: now) })
        var result: [GroupNotification] = []
        for flush in flushes {
            let kept = flush.alerts.filter { alert in
                if let inhibition, inhibition.isInhibited(alert) { return false }
                // The windows are known to be open: only their matchers remain to be checked.
                if activeWindows.contains(where: { window in window.matchers.allSatisfy { $0.matches(alert.labels) } })
                {
                    return false
                }
                return !activeSilences.isSilenced(alert.labels, at: now)
            }
            // Everything muted: nothing is sent and the log is left alone, as in Alertmanager.
            guard !kept.isEmpty else { continue }
            if let notification = dedup(flush, kept: kept) { result.append(notification) }
        }
        return result
    }

    /// The log is read and written at the flush's scheduled time, not at the (possibly later) time
    /// the timer ran, so that a group whose `repeat_interval` equals its `group_interval` (an
    /// `alertmanager` receiver's resend) repeats on every flush instead of every other one.
    private mutating func dedup(_ flush: GroupFlush, kept: [Alert]) -> GroupNotification? {
        var firingSet = Set<String>()
        var resolvedSet = Set<String>()
        for alert in kept {
            if alert.state == .firing {
                firingSet.insert(alert.fingerprint)
            } else {
                resolvedSet.insert(alert.fingerprint)
            }
        }
        guard
            let reason = log.reason(
                groupKey: flush.groupKey,
                firing: firingSet,
                resolved: resolvedSet,
                sendResolved: flush.sendResolved,
                repeatInterval: flush.repeatInterval,
                now: flush.at
            )
        else { return nil }
        log.record(
            groupKey: flush.groupKey,
            firing: firingSet,
            resolved: resolvedSet,
            at: flush.at,
            repeatInterval: flush.repeatInterval
        )
        unsavedLog.insert(flush.groupKey)
        let alerts = flush.sendResolved ? kept : kept.filter { $0.state == .firing }
        // A receiver without send_resolved is not told that everything resolved; the log still is.
        guard !alerts.isEmpty else { return nil }
        let id = StageHash.hex(
            of: [flush.receiver, flush.groupKey, String(flush.at)]
                + alerts.map { "\($0.fingerprint)/\($0.state.rawValue)" }
        )
        return GroupNotification(
            notification: Notification(
                id: id,
                receiver: flush.receiver,
                alerts: alerts,
                groupLabels: flush.groupLabels,
                reason: reason
            ),
            groupKey: flush.groupKey,
            groupLabels: flush.groupLabels,
            reason: reason
        )
    }

    /// The notification-log entries recorded since the last call, by group key, for the store
    /// (it forgets expired entries by their `expiresAt`).
    public mutating func takeUnsavedLog() -> [String: NotificationLogEntry] {
        guard !unsavedLog.isEmpty else { return [:] }
        var result: [String: NotificationLogEntry] = [:]
        for key in unsavedLog { result[key] = log[key] }
        unsavedLog.removeAll()
        return result
    }

    /// Applies a reloaded configuration: new grouping, routes and stages; the firing alerts are
    /// regrouped (old ones flush at once and are deduplicated against the log, which is kept).
    public mutating func reconfigure(_ config: ConnWatchConfig, now: Int64) {
        var next = NotificationPipeline(config: config, log: log)
        next.unsavedLog = unsavedLog
        next.setAPISilences(apiSilences)
        next.receive(dispatcher.alerts.filter { $0.state == .firing }.map { AlertChange(alert: $0) }, now: now)
        for alert in firing.values where next.firing[alert.fingerprint] == nil {
            next.receive([AlertChange(alert: alert)], now: now)
        }
        self = next
    }
}
