/// What the engine is configured with.
public struct EngineConfiguration: Sendable, Equatable {
    public var offlineRules: [OfflineRule]
    /// `disconnects` and `failed_connects` rules.
    public var countingRules: [CountingRule]
    /// `fleet_offline` rules.
    public var fleetRules: [FleetRule]
    /// After start, nothing fires before this much time has passed (milliseconds).
    public var startupGrace: Int64
    /// How many connection events each client's log keeps (in the state store).
    public var logCapacity: Int
    /// A broker unreachable this long raises the built-in `feed_down` alert (0: never).
    public var feedDownAfter: Int64
    /// Clients not connected and without any event for this long are forgotten (0: never).
    public var forgetAfter: Int64
    /// Counting rules count an event that arrives at most this long after it happened.
    public var maxLateness: Int64
    /// `defaults.external_labels`, for the built-in `feed_down` alert (rules carry them in their labels).
    public var externalLabels = LabelSet()

    public init(
        offlineRules: [OfflineRule] = [],
        countingRules: [CountingRule] = [],
        fleetRules: [FleetRule] = [],
        startupGrace: Int64 = 0,
        logCapacity: Int = 20,
        feedDownAfter: Int64 = 0,
        forgetAfter: Int64 = 0,
        maxLateness: Int64 = 600_000
    ) {
        self.maxLateness = maxLateness
        self.feedDownAfter = feedDownAfter
        self.forgetAfter = forgetAfter
        self.offlineRules = offlineRules
        self.countingRules = countingRules
        self.fleetRules = fleetRules
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
    /// Clients forgotten (on request or after `forget_after`).
    public var forgotten = 0
    /// Events a counting rule would have counted, had they not arrived later than `max_lateness`.
    public var tooLate = 0
    /// Events identical to the one a client's log ends with (delivered again): dropped.
    public var duplicates = 0
    /// Connection-log entries dropped because no store took them (see `Engine.keepsLogForStore`).
    public var logEntriesDropped = 0
}

/// The single owner of the client table, the connection logs, rule evaluation and the alert
/// lifecycle. Pure and deterministic: it never reads a clock — every call says what time it is —
/// and does no I/O. Not thread-safe by design: one task owns it.
public final class Engine {
    typealias Phase = SlotPhase
    typealias Slot = OfflineSlot

    /// One fleet rule's state for one group of clients.
    struct FleetGroup {
        var key: String
        var members: [Int32] = []
        /// Members forgotten since the client table was last compacted (still in `members`).
        var forgotten = 0
        /// The members that count: those not forgotten.
        var total: Int { members.count - forgotten }
        var offline = 0
        var phase: Phase = .idle
        var since: Int64 = 0
        var timer = DeadlineState()
        /// Behind one reference: most groups never fire.
        var box: AlertBox?
        var alert: Alert? {
            get { box?.alert }
            set { box = newValue.map(AlertBox.init) }
        }
        var notified = false
    }

    /// The health of one broker's feed.
    struct Feed {
        var broker: String
        var up = true
        var since: Int64 = 0
        var reason = ""
        var timer = DeadlineState()
        var alert: Alert?
        /// Offline deadlines that came due while the feed was down: (client, slot), each once.
        var paused: [(client: Int32, slot: Int32)] = []
    }

    public internal(set) var configuration: EngineConfiguration {
        didSet { offlineTiming = Self.timing(of: configuration) }
    }
    /// Per offline rule: what it waits for and how long, read on every event without copying the rule.
    var offlineTiming: [(condition: OfflineRule.Condition, forDuration: Int64)] = []

    static func timing(
        of configuration: EngineConfiguration
    ) -> [(
        condition: OfflineRule.Condition, forDuration: Int64
    )] {
        configuration.offlineRules.map { ($0.condition, $0.forDuration) }
    }
    public let startTime: Int64
    /// Nothing fires before this time.
    public var graceEnd: Int64 { startTime + configuration.startupGrace }

    /// The clients by position: their fields, and their ids in one arena.
    var table = ClientTable()
    var slots = SlotTable()
    /// Per counting rule: its groups' slots and the index from group key to slot.
    var counterSlots: [[CounterSlot]] = []
    var counterIndex: [[String: Int32]] = []
    /// Per counting rule not grouped by client: each slot's group key ("" once freed). Empty for
    /// rules grouped by client, whose key is the client's id.
    var counterKeys: [[String]] = []
    /// Per counting rule: its freed slots, taken again by new groups.
    var freeCounterSlots: [[Int32]] = []
    /// Per counting rule: the sweep that frees its idle windows once their newest time has left
    /// the window (idle windows have no deadline of their own), and when it last ran.
    var counterSweeps: [DeadlineState] = []
    var lastCounterSweep: [Int64] = []
    /// Counter slots freed since the store last saw them, that it holds a record of: to delete.
    var freedCounters: [CounterRecord] = []
    /// Per fleet rule: its groups and the index from group key to group.
    var fleetGroups: [[FleetGroup]] = []
    var fleetIndex: [[String: Int32]] = []
    /// Per client and fleet rule (`client * fleetRules.count + rule`): its group, or -1.
    var clientFleet: [Int32] = []
    /// Per client: bit `r` is set when counting rule `r` matches it (client labels never change).
    /// Only kept while there are at most 64 counting rules.
    var countingMatches: [UInt64] = []
    /// Per counting rule grouped by client: each client's counter slot, or -1 (none yet). Such
    /// rules have no entries in `counterIndex`. Empty for the other rules; filled up lazily.
    var clientCounter: [[Int32]] = []
    /// Long client addresses seen lately, so clients and log entries share one copy (reasons and
    /// protocol names are in the table's `TextTable`).
    var addresses = TextCache()
    /// The label sets clients have in common, so that clients of one type share one.
    var labels = SharedLabelsCache()
    /// The clients counted by broker, client type, type id and status.
    var fleetTally = FleetTally()
    var feeds: [Feed] = []
    /// Client id → position in `table` (forgotten clients are not in it).
    var index = ClientIndex()
    /// Forgotten clients still in the table (not in `index`, their slots idle) until it is compacted.
    var tombstones = Set<Int32>()
    /// Clients forgotten since the store last saw them.
    var unsavedForgotten: [ForgottenClient] = []
    /// The sweep that forgets silent clients (`forget_after`).
    var forgetSweep = DeadlineState()
    /// Every slot's deadline, at most one queued entry of its own per slot.
    var deadlines = Deadlines()
    /// Clients changed since the store last saw them (flag per client, and their positions).
    var unsavedClient: [Bool] = []
    /// Restored clients that no event has mentioned yet in this run (`unseen_is_offline`).
    var unseen: [Bool] = []
    var unsavedClients: [Int32] = []
    /// Connection-log entries made since the store last saw them, oldest first (see
    /// `keepsLogForStore`); at most `unsavedLogLimit`.
    var unsavedLog: [ClientLogEntry] = []
    /// Whether log entries are kept for `takeUnsaved` (the store keeps the connection logs); an
    /// engine without a store (rule tests, benchmarks) turns this off.
    public var keepsLogForStore = true
    /// Counter slots changed since the store last saw them: (rule, slot).
    var unsavedCounters: [(rule: Int32, slot: Int32)] = []
    /// A reload renumbered the counting rules: the store rewrites all of them.
    var countersReplaced = false
    /// Events too late to count since the daemon last asked (the first few, and how many more).
    var lateEvents: [LateEvent] = []
    var moreLateEvents = 0
    public internal(set) var counters = EngineCounters()
    public internal(set) var firingCount = 0
    /// Clients known to be disconnected (from the fleet tally, which counts every status).
    public var disconnectedCount: Int { fleetTally.totals[Int(ConnectionStatus.disconnected.rawValue)] }

    public init(configuration: EngineConfiguration, startTime: Int64) {
        self.configuration = configuration
        self.offlineTiming = Self.timing(of: configuration)
        self.startTime = startTime
        counterSlots = Array(repeating: [], count: configuration.countingRules.count)
        counterIndex = Array(repeating: [:], count: configuration.countingRules.count)
        counterKeys = Array(repeating: [], count: configuration.countingRules.count)
        freeCounterSlots = Array(repeating: [], count: configuration.countingRules.count)
        counterSweeps = Array(repeating: DeadlineState(), count: configuration.countingRules.count)
        lastCounterSweep = Array(repeating: .min, count: configuration.countingRules.count)
        clientCounter = Array(repeating: [], count: configuration.countingRules.count)
        fleetGroups = Array(repeating: [], count: configuration.fleetRules.count)
        fleetIndex = Array(repeating: [:], count: configuration.fleetRules.count)
        armForgetSweep(now: startTime)
    }

    // MARK: Queries

    public var clientCount: Int { table.count - tombstones.count }

    public func client(_ clientID: String) -> ClientState? {
        guard let position = tablePosition(of: clientID) else { return nil }
        return table[Int(position)]
    }

    /// Every client, in the order first seen.
    public var clients: [ClientState] {
        table.indices.compactMap(knownClient)
    }

    /// The client at `position` unless it was forgotten.
    func knownClient(at position: Int) -> ClientState? {
        isForgotten(position) ? nil : table[position]
    }

    /// Whether the client at `position` was forgotten (a tombstone until the table is compacted).
    @inline(__always)
    func isForgotten(_ position: Int) -> Bool {
        !tombstones.isEmpty && tombstones.contains(Int32(position))
    }

    /// Every alert that is firing now.
    public var firingAlerts: [Alert] {
        slots.firing.sorted().compactMap { slots.alert(at: $0) }
            + counterSlots.flatMap { $0.compactMap { $0.phase == .firing ? $0.alert : nil } }
            + fleetGroups.flatMap { $0.compactMap { $0.phase == .firing ? $0.alert : nil } }
            + feeds.compactMap(\.alert)
    }

    /// Offline and inactive alerts waiting out their `for`, as they would read at `now` (state
    /// `pending`, `startsAt` = when the condition began), the first `limit` in client order. Built
    /// on demand, for the query API: each costs its labels, annotations and fingerprint.
    public func pendingAlerts(at now: Int64, limit: Int = .max) -> [Alert] {
        var result: [Alert] = []
        guard limit > 0 else { return result }
        for position in table.indices {
            for slot in slots.row(position) where slot.phase == .pending {
                result.append(pendingAlert(client: position, slot: slot, at: now))
                if result.count == limit { return result }
            }
        }
        return result
    }

    /// The pending alert of a slot as it would read at `now`.
    func pendingAlert(client position: Int, slot: Slot, at now: Int64) -> Alert {
        var alert = firingAlert(client: position, slot: slot, at: now)
        alert.state = .pending
        alert.startsAt = slot.since
        return alert
    }

    /// Clients by connection status, as the fleet tally keeps them (`/metrics` asks on every
    /// scrape; the answer costs the same at any fleet size).
    public var clientCountsByStatus: [ConnectionStatus: Int] {
        let totals = fleetTally.totals
        return [
            .connected: totals[Int(ConnectionStatus.connected.rawValue)],
            .disconnected: disconnectedCount,
            .unknown: totals[Int(ConnectionStatus.unknown.rawValue)],
        ]
    }

    /// How many offline and inactive alerts wait out their `for` (what `pendingAlerts` lists).
    /// Kept as slots change: O(1).
    public var pendingCount: Int { slots.pendingCount }

    /// `pendingCount` by rule name, kept as slots change: O(rules), and no alert is built
    /// (`pendingAlerts` makes the labels and fingerprint of each).
    public var pendingCountsByRule: [String: Int] {
        var byName: [String: Int] = [:]
        for (rule, count) in zip(configuration.offlineRules, slots.pendingByRule) where count > 0 {
            byName[rule.name] = count
        }
        return byName
    }

    /// The earliest time at which `advance(to:)` has work to do, or `nil` if none is scheduled.
    public var nextDeadline: Int64? { deadlines.nextDeadline }

    /// How many deadlines are queued: at most about two per slot that waits for one (an offline,
    /// inactive or counting slot, a fleet group, a feed), however many events re-armed them.
    public var queuedDeadlineCount: Int { deadlines.count }

    /// How many counting-rule groups (clients, addresses, label values) have a window kept:
    /// those with times in their window or an alert pending or firing.
    public var counterGroupCount: Int {
        counterSlots.reduce(0) { $0 + $1.count } - freeCounterSlots.reduce(0) { $0 + $1.count }
    }

    // MARK: Input

    /// Applies one status event received at `now` (the broker feed `broker` reported it) and
    /// appends the alert changes it causes.
    public func handle(_ event: StatusEvent, broker: String, now: Int64, into changes: inout [AlertChange]) {
        counters.events += 1
        defer { compactDeadlinesIfNeeded() }
        let position: Int
        let isNew: Bool
        if let existing = tablePosition(of: event.clientID) {
            position = Int(existing)
            isNew = false
        } else {
            position = addClient(event, broker: broker)
            isNew = true
        }
        markUnsaved(client: position)
        if unseen[position] { clientSeen(position) }
        let time = min(event.time, now)
        if isNew {
            // `inactive` clocks start when connwatch first hears of the client.
            restartInactive(position, basis: .noConnect, at: time)
            restartInactive(position, basis: .noActivity, at: time)
        }
        // Mutated in place: copying the state out and back would retain and release its texts.
        let statusBefore = table.fields[position].status
        let (transition, entry) = table.apply(event, at: time, to: position, addresses: &addresses)
        if let entry, keepsLogForStore { recordUnsaved(entry, of: event.clientID) }
        fleetTally.changed(position, from: statusBefore, to: table.fields[position].status)
        switch transition {
        case .connected(let wasDisconnected):
            clientConnected(position, at: time, into: &changes)
            clientActive(position, at: time, into: &changes)
            if wasDisconnected {
                fleetMemberChanged(position, offlineDelta: -1, at: time, into: &changes)
                count(event, client: position, at: time, now: now, transition: true, into: &changes)
            }
        case .disconnected(let wasDisconnected):
            if !wasDisconnected {
                fleetMemberChanged(position, offlineDelta: 1, at: time, into: &changes)
            }
            clientDisconnected(position, at: time, now: now)
            clientActive(position, at: time, into: &changes)
            count(event, client: position, at: time, now: now, transition: !wasDisconnected, into: &changes)
        case .takeover:
            counters.takeovers += 1
            clientActive(position, at: time, into: &changes)
        case .stale:
            counters.outOfOrder += 1
        case .duplicate:
            counters.duplicates += 1
        case .recorded:
            count(event, client: position, at: time, now: now, transition: false, into: &changes)
            clientActive(position, at: time, into: &changes)
        }
    }

    /// What an event did to a client's state.
    enum Transition {
        case connected(wasDisconnected: Bool)
        case disconnected(wasDisconnected: Bool)
        /// A session-takeover disconnect: the client is still connected.
        case takeover
        /// Older than the state: logged, not applied.
        case stale
        /// Logged without a status change (a failed connect).
        case recorded
        /// The event the client's log ends with, delivered again (a retained status or an
        /// unacknowledged QoS 1 message after a restart): neither logged nor counted again.
        case duplicate
    }

    /// Applies `event` to `state`; what it did, and the entry for the client's connection log
    /// (`nil` for a duplicate, which is not logged).
    static func apply(
        _ event: StatusEvent,
        at time: Int64,
        to state: inout ClientFields,
        texts: inout TextTable,
        addresses: inout TextCache
    ) -> (Transition, ConnectionLogEntry?) {
        if state.summary.repeats(event) { return (.duplicate, nil) }
        // Long addresses are stored once: the client's current one if equal, else the shared copy.
        let clientAddress = addresses.shared(event.clientAddress, current: state.clientAddress)
        let transition: Transition
        switch event.action {
        case .connect:
            if state.status == .connected && state.lastConnectTime == time {
                transition = .stale  // the same connect again (a retained message re-delivered)
            } else if isNewest(event, at: time, state: state) {
                transition = .connected(wasDisconnected: state.status == .disconnected)
                state.status = .connected
                state.lastConnectTime = time
                if let name = event.protocolName {
                    state.protocolNameID = texts.replace(state.protocolNameID, with: name)
                }
                state.clientAddress = clientAddress ?? state.clientAddress
            } else {
                transition = .stale
            }
        case .disconnect:
            if event.cause == .sessionTakeover {
                transition = .takeover
            } else if state.status == .disconnected && state.lastDisconnectTime == time {
                transition = .stale  // the same disconnect again
            } else if isNewest(event, at: time, state: state) && !isFromOlderSession(event, state: state) {
                transition = .disconnected(wasDisconnected: state.status == .disconnected)
                state.status = .disconnected
                state.lastDisconnectTime = time
                state.disconnectedBy = event.initiator
                state.reasonCode = event.reasonCode
                state.reasonTextID = texts.replace(state.reasonTextID, with: event.reasonText)
                state.cause = event.cause
                if let name = event.protocolName {
                    state.protocolNameID = texts.replace(state.protocolNameID, with: name)
                }
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
        case .takeover, .stale, .duplicate: applied = false
        }
        var entry = ConnectionLogEntry(event: event, applied: applied)
        entry.clientAddress = clientAddress
        state.summary.record(entry)
        return (transition, entry)
    }

    /// Replaces the rules (a configuration reload) without forgetting anything: every client keeps
    /// its state; an alert of a rule that still exists under the same name and still matches the
    /// client keeps its state (a pending one is re-timed with the rule's new `for`); alerts of rules
    /// that are gone, or no longer match, resolve at `now`; a new rule starts timing a client that is
    /// already disconnected from its disconnect time.
    public func reconfigure(_ newConfiguration: EngineConfiguration, now: Int64, into changes: inout [AlertChange]) {
        let oldRules = configuration.offlineRules
        let oldCounting = configuration.countingRules
        let oldFleet = configuration.fleetRules
        let oldForgetAfter = configuration.forgetAfter
        configuration = newConfiguration
        // Slots are renumbered: their queued deadlines are dropped, and the kept ones armed anew.
        for slot in slots.all { deadlines.forget(dropped: slot.timer) }
        for feed in feeds.indices { feeds[feed].paused = [] }
        var rebuilt = SlotTable()
        for position in table.indices {
            guard let client = knownClient(at: position) else {
                rebuilt.append([])  // forgotten: its slots were ended then
                continue
            }
            let oldSlots = Array(slots.row(position))
            let oldAlerts = oldSlots.indices.map { slots.alert(client: position, slot: $0) }
            var kept = Set<Int>()
            var newSlots: [(slot: Slot, alert: Alert?)] = []
            for (ruleIndex, rule) in newConfiguration.offlineRules.enumerated() where rule.match.matches(client) {
                let slotPosition = newSlots.count
                var slot: Slot
                var alert: Alert?
                if let old = oldSlots.indices.first(where: { oldRules[Int(oldSlots[$0].rule)].name == rule.name }) {
                    kept.insert(old)
                    slot = oldSlots[old]
                    alert = oldAlerts[old]
                    slot.rule = Int32(ruleIndex)
                    slot.paused = false
                    let timer = slot.timer
                    slot.timer = DeadlineState()
                    if slot.phase == .cooling && timer.isArmed {
                        deadlines.arm(&slot.timer, at: timer.deadline, key: offlineKey(position, newSlots.count))
                    }
                } else {
                    slot = Slot(rule: Int32(ruleIndex))
                    let since: Int64?
                    switch rule.condition {
                    case .disconnected: since = client.status == .disconnected ? client.lastDisconnectTime : nil
                    case .noConnect: since = client.lastConnectTime ?? now
                    case .noActivity: since = client.lastActivityTime ?? now
                    }
                    if let since {
                        slot.phase = .pending
                        slot.since = since
                    }
                }
                if slot.phase == .pending {
                    schedule(&slot, client: position, slot: slotPosition, deadline: slot.since + rule.forDuration)
                }
                newSlots.append((slot, alert))
            }
            for (index, old) in oldSlots.enumerated()
            where !kept.contains(index) && (old.phase == .firing || old.phase == .cooling) {
                endFiring(oldAlerts[index], notified: old.notified, at: now, into: &changes)
            }
            rebuilt.append(newSlots)
        }
        slots = rebuilt
        if newConfiguration.forgetAfter != oldForgetAfter {
            deadlines.forget(&forgetSweep)
            armForgetSweep(now: now)
        }
        reconfigureCounters(oldRules: oldCounting, now: now, into: &changes)
        if oldFleet != newConfiguration.fleetRules { rebuildFleet(now: now, into: &changes) }
        compactDeadlinesIfNeeded()
    }

    /// A firing alert ends at `time`: it no longer counts as firing, and if people were told it
    /// fires (`notified`), they are told it resolved. The one place an alert resolves.
    func endFiring(_ alert: Alert?, notified: Bool, at time: Int64, into changes: inout [AlertChange]) {
        firingCount -= 1
        guard var alert, notified else { return }
        alert.state = .resolved
        alert.endsAt = max(time, alert.startsAt)
        changes.append(AlertChange(alert: alert))
    }

    /// Fires every alert whose deadline is at or before `now`, appending the changes.
    public func advance(to now: Int64, into changes: inout [AlertChange]) {
        defer { compactDeadlinesIfNeeded() }
        while let entry = deadlines.popDue(now: now) {
            let key = entry.key
            switch key.kind {
            case .fleet:
                fleetDeadline(rule: Int(key.first), group: Int(key.second), entry, into: &changes)
                continue
            case .feed:
                feedDeadline(Int(key.first), entry, into: &changes)
                continue
            case .counter:
                counterDeadline(rule: Int(key.first), slot: Int(key.second), entry, into: &changes)
                continue
            case .sweep:
                sweepCounters(rule: Int(key.first), entry)
                continue
            case .forget:
                forgetSilentClients(entry, into: &changes)
                continue
            case .offline:
                break
            }
            let clientPosition = Int(key.first)
            let slotPosition = Int(key.second)
            guard clientPosition < table.count, slotPosition < slots.indices(of: clientPosition).count,
                deadlines.settle(entry, &slots[clientPosition, slotPosition].timer)
            else { continue }
            let slot = slots[clientPosition, slotPosition]
            if slot.phase == .cooling {
                // `keep_firing_for` has passed with the client still back: now it resolves.
                resolveSlot(clientPosition, slotPosition, at: entry.deadline, into: &changes)
                continue
            }
            guard slot.phase == .pending else { continue }
            if let feed = feeds.firstIndex(where: { $0.broker == table.fields[clientPosition].broker }), !feeds[feed].up
            {
                // No feed, no verdict: the client's status is unknown until the broker is back.
                if !slot.paused {
                    slots[clientPosition, slotPosition].paused = true
                    feeds[feed].paused.append((Int32(clientPosition), Int32(slotPosition)))
                }
                continue
            }
            let alert = firingAlert(client: clientPosition, slot: slot, at: entry.deadline)
            let notify = !isInhibited(clientPosition)
            slots[clientPosition, slotPosition].phase = .firing
            slots.setAlert(alert, client: clientPosition, slot: slotPosition)
            slots[clientPosition, slotPosition].notified = notify
            firingCount += 1
            if notify { changes.append(AlertChange(alert: alert)) }
        }
    }
}
