/// What the engine is configured with.
public struct EngineConfiguration: Sendable, Equatable {
    public var offlineRules: [OfflineRule]
    /// After start, nothing fires before this much time has passed (milliseconds).
    public var startupGrace: Int64
    /// How many connection events each client's log keeps.
    public var logCapacity: Int

    public init(offlineRules: [OfflineRule] = [], startupGrace: Int64 = 0, logCapacity: Int = 20) {
        self.offlineRules = offlineRules
        self.startupGrace = startupGrace
        self.logCapacity = logCapacity
    }
}

/// Counts of what the engine has seen, for metrics and logs.
public struct EngineCounters: Sendable, Equatable {
    public var events = 0
    /// Events older than the client's state, recorded in the log but not applied.
    public var outOfOrder = 0
    /// Disconnects that only report a session takeover (the client is still connected).
    public var takeovers = 0
}

/// The single owner of the client table, the connection logs, rule evaluation and the alert
/// lifecycle. Pure and deterministic: it never reads a clock — every call says what time it is —
/// and does no I/O. Not thread-safe by design: one task owns it.
public final class Engine {
    private enum Phase: UInt8 {
        case idle
        case pending
        case firing
    }

    /// One offline rule's state for one client.
    private struct Slot {
        var rule: Int32
        var phase: Phase = .idle
        var since: Int64 = 0
        var generation: UInt32 = 0
        var alert: Alert?
    }

    private struct TimerRef: Sendable {
        var client: Int32
        var slot: Int32
        var generation: UInt32
    }

    public private(set) var configuration: EngineConfiguration
    public let startTime: Int64
    /// Nothing fires before this time.
    public var graceEnd: Int64 { startTime + configuration.startupGrace }

    private var clientStates: [ClientState] = []
    private var slots: [[Slot]] = []
    private var index: [String: Int32] = [:]
    private var timers = TimerQueue<TimerRef>()
    /// Stamps every scheduled deadline; a timer whose stamp no longer matches its slot is stale.
    private var generationCounter: UInt32 = 0
    public private(set) var counters = EngineCounters()
    public private(set) var firingCount = 0
    public private(set) var disconnectedCount = 0

    public init(configuration: EngineConfiguration, startTime: Int64) {
        self.configuration = configuration
        self.startTime = startTime
    }

    // MARK: Queries

    public var clientCount: Int { clientStates.count }

    public func client(_ clientID: String) -> ClientState? {
        guard let position = index[clientID] else { return nil }
        return clientStates[Int(position)]
    }

    /// Every client, in the order first seen.
    public var clients: [ClientState] { clientStates }

    /// Every alert that is firing now.
    public var firingAlerts: [Alert] {
        slots.flatMap { $0.compactMap { $0.phase == .firing ? $0.alert : nil } }
    }

    /// The earliest time at which `advance(to:)` has work to do, or `nil` if none is scheduled.
    public var nextDeadline: Int64? { timers.nextDeadline }

    // MARK: Input

    /// Applies one status event received at `now` (the broker feed `broker` reported it) and
    /// appends the alert changes it causes.
    public func handle(_ event: StatusEvent, broker: String, now: Int64, into changes: inout [AlertChange]) {
        counters.events += 1
        let position = clientIndex(for: event, broker: broker)
        let time = min(event.time, now)
        // Mutated in place: copying the state out and back would copy its log on every event.
        let transition = Self.apply(event, at: time, to: &clientStates[position])
        switch transition {
        case .connected(let wasDisconnected):
            if wasDisconnected { disconnectedCount -= 1 }
            clientConnected(position, at: time, into: &changes)
        case .disconnected(let wasDisconnected):
            if !wasDisconnected { disconnectedCount += 1 }
            clientDisconnected(position, at: time)
        case .takeover:
            counters.takeovers += 1
        case .stale:
            counters.outOfOrder += 1
        case .recorded:
            break
        }
    }

    /// What an event did to a client's state.
    private enum Transition {
        case connected(wasDisconnected: Bool)
        case disconnected(wasDisconnected: Bool)
        /// A session-takeover disconnect: the client is still connected.
        case takeover
        /// Older than the state: logged, not applied.
        case stale
        /// Logged without a status change (a failed connect).
        case recorded
    }

    private static func apply(_ event: StatusEvent, at time: Int64, to state: inout ClientState) -> Transition {
        let transition: Transition
        switch event.action {
        case .connect:
            if isNewest(event, at: time, state: state) {
                transition = .connected(wasDisconnected: state.status == .disconnected)
                state.status = .connected
                state.lastConnectTime = time
                state.protocolName = event.protocolName ?? state.protocolName
                state.clientAddress = event.clientAddress ?? state.clientAddress
            } else {
                transition = .stale
            }
        case .disconnect:
            if event.cause == .sessionTakeover {
                transition = .takeover
            } else if isNewest(event, at: time, state: state) && !isFromOlderSession(event, state: state) {
                transition = .disconnected(wasDisconnected: state.status == .disconnected)
                state.status = .disconnected
                state.lastDisconnectTime = time
                state.disconnectedBy = event.initiator
                state.reasonCode = event.reasonCode
                state.reasonText = event.reasonText
                state.cause = event.cause
                state.protocolName = event.protocolName ?? state.protocolName
            } else {
                transition = .stale
            }
        case .failedConnect:
            transition = .recorded
        }
        if case .connected = transition { state.lastSequence = event.sequence }
        if case .disconnected = transition { state.lastSequence = event.sequence }
        if time >= (state.lastActivityTime ?? .min) {
            state.lastActivityTime = time
            state.lastActivityEvent = event.action
        }
        let applied: Bool
        switch transition {
        case .connected, .disconnected, .recorded: applied = true
        case .takeover, .stale: applied = false
        }
        state.log.append(ConnectionLogEntry(event: event, applied: applied))
        return transition
    }

    /// Replaces the rules (a configuration reload) without forgetting anything: every client keeps
    /// its state; an alert of a rule that still exists under the same name and still matches the
    /// client keeps its state (a pending one is re-timed with the rule's new `for`); alerts of rules
    /// that are gone, or no longer match, resolve at `now`; a new rule starts timing a client that is
    /// already disconnected from its disconnect time.
    public func reconfigure(_ newConfiguration: EngineConfiguration, now: Int64, into changes: inout [AlertChange]) {
        let oldRules = configuration.offlineRules
        configuration = newConfiguration
        for position in clientStates.indices {
            let client = clientStates[position]
            let oldSlots = slots[position]
            var kept = Set<Int>()
            var newSlots: [Slot] = []
            for (ruleIndex, rule) in newConfiguration.offlineRules.enumerated() where rule.match.matches(client) {
                let slotPosition = newSlots.count
                var slot: Slot
                if let old = oldSlots.indices.first(where: { oldRules[Int(oldSlots[$0].rule)].name == rule.name }) {
                    kept.insert(old)
                    slot = oldSlots[old]
                    slot.rule = Int32(ruleIndex)
                } else {
                    slot = Slot(rule: Int32(ruleIndex))
                    if client.status == .disconnected, let since = client.lastDisconnectTime {
                        slot.phase = .pending
                        slot.since = since
                    }
                }
                if slot.phase == .pending {
                    schedule(&slot, client: position, slot: slotPosition, deadline: slot.since + rule.forDuration)
                }
                newSlots.append(slot)
            }
            for (index, old) in oldSlots.enumerated() where !kept.contains(index) && old.phase == .firing {
                if var alert = old.alert {
                    alert.state = .resolved
                    alert.endsAt = max(now, alert.startsAt)
                    changes.append(AlertChange(alert: alert))
                }
                firingCount -= 1
            }
            slots[position] = newSlots
        }
    }

    /// Fires every alert whose deadline is at or before `now`, appending the changes.
    public func advance(to now: Int64, into changes: inout [AlertChange]) {
        while let entry = timers.popDue(now: now) {
            let ref = entry.payload
            let clientPosition = Int(ref.client)
            let slotPosition = Int(ref.slot)
            let slot = slots[clientPosition][slotPosition]
            guard slot.generation == ref.generation, slot.phase == .pending else { continue }
            let alert = firingAlert(client: clientPosition, slot: slot, at: entry.deadline)
            slots[clientPosition][slotPosition].phase = .firing
            slots[clientPosition][slotPosition].alert = alert
            firingCount += 1
            changes.append(AlertChange(alert: alert))
        }
    }

    // MARK: Internals

    private func clientIndex(for event: StatusEvent, broker: String) -> Int {
        if let position = index[event.clientID] { return Int(position) }
        let state = ClientState(event: event, broker: broker, logCapacity: configuration.logCapacity)
        let position = clientStates.count
        clientStates.append(state)
        index[event.clientID] = Int32(position)
        var clientSlots: [Slot] = []
        for (ruleIndex, rule) in configuration.offlineRules.enumerated() where rule.match.matches(state) {
            clientSlots.append(Slot(rule: Int32(ruleIndex)))
        }
        slots.append(clientSlots)
        return position
    }

    /// An event older than the client's latest connect or disconnect is out of order. When the
    /// feed numbers its events (and the two are less than an hour apart: AWS restarts the count
    /// after an hour offline), the number decides, a disconnect ranking after the connect with
    /// the same number; an equal rank is a duplicate.
    private static func isNewest(_ event: StatusEvent, at time: Int64, state: ClientState) -> Bool {
        let lastChange = max(state.lastConnectTime ?? .min, state.lastDisconnectTime ?? .min)
        if let sequence = event.sequence, let lastSequence = state.lastSequence, lastChange != .min,
            abs(time - lastChange) < 3_600_000
        {
            let rank = sequence.multipliedReportingOverflow(by: 2).partialValue + (event.action == .disconnect ? 1 : 0)
            let lastRank =
                lastSequence.multipliedReportingOverflow(by: 2).partialValue + (state.status == .disconnected ? 1 : 0)
            return rank > lastRank
        }
        if let last = state.lastConnectTime, time < last { return false }
        if let last = state.lastDisconnectTime, time < last { return false }
        return true
    }

    /// A disconnect whose connection began well before the latest connect closes an older session.
    private static func isFromOlderSession(_ event: StatusEvent, state: ClientState) -> Bool {
        guard let began = event.connectTime, let lastConnect = state.lastConnectTime else { return false }
        return began + 1000 < lastConnect
    }

    private func clientConnected(_ position: Int, at time: Int64, into changes: inout [AlertChange]) {
        for slotPosition in slots[position].indices {
            var slot = slots[position][slotPosition]
            switch slot.phase {
            case .idle:
                continue
            case .pending:
                slot.phase = .idle
            case .firing:
                if var alert = slot.alert {
                    alert.state = .resolved
                    alert.endsAt = max(time, alert.startsAt)
                    changes.append(AlertChange(alert: alert))
                }
                firingCount -= 1
                slot.phase = .idle
                slot.alert = nil
            }
            slot.generation = nextGeneration()
            slots[position][slotPosition] = slot
        }
    }

    private func nextGeneration() -> UInt32 {
        generationCounter &+= 1
        return generationCounter
    }

    private func clientDisconnected(_ position: Int, at time: Int64) {
        for slotPosition in slots[position].indices where slots[position][slotPosition].phase == .idle {
            var slot = slots[position][slotPosition]
            let rule = configuration.offlineRules[Int(slot.rule)]
            slot.phase = .pending
            slot.since = time
            schedule(&slot, client: position, slot: slotPosition, deadline: time + rule.forDuration)
            slots[position][slotPosition] = slot
        }
    }

    /// Stamps `slot` with a new generation and schedules its deadline (never before the grace ends).
    private func schedule(_ slot: inout Slot, client position: Int, slot slotPosition: Int, deadline: Int64) {
        slot.generation = nextGeneration()
        timers.schedule(
            at: max(deadline, graceEnd),
            TimerRef(client: Int32(position), slot: Int32(slotPosition), generation: slot.generation)
        )
    }

    private func firingAlert(client position: Int, slot: Slot, at time: Int64) -> Alert {
        let rule = configuration.offlineRules[Int(slot.rule)]
        let client = clientStates[position]
        var labels = rule.labels
        labels["alertname"] = rule.name
        labels["severity"] = rule.severity
        for label in ClientLabel.allCases {
            let value = label.value(of: client)
            if !value.isEmpty { labels[label.rawValue] = value }
        }
        let variables = AlertVariables(
            client: client,
            rule: rule.name,
            severity: rule.severity,
            since: slot.since,
            now: time
        )
        var annotations = LabelSet()
        for annotation in rule.annotations {
            annotations[annotation.name] = annotation.template.render { variables.value(of: $0, labels: labels) }
        }
        return Alert(
            labels: labels,
            annotations: annotations,
            rule: rule.name,
            state: .firing,
            activeSince: slot.since,
            startsAt: time,
            receivers: rule.receivers
        )
    }
}

/// A change in an alert's state that people may need to hear about.
public struct AlertChange: Sendable, Equatable {
    public var alert: Alert
    public init(alert: Alert) { self.alert = alert }
}
