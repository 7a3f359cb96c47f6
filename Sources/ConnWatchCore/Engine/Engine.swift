/// What the engine is configured with.
public struct EngineConfiguration: Sendable, Equatable {
    public var offlineRules: [OfflineRule]
    /// `disconnects` and `failed_connects` rules.
    public var countingRules: [CountingRule]
    /// `fleet_offline` rules.
    public var fleetRules: [FleetRule]
    /// After start, nothing fires before this much time has passed (milliseconds).
    public var startupGrace: Int64
    /// How many connection events each client's log keeps.
    public var logCapacity: Int
    /// A broker unreachable this long raises the built-in `feed_down` alert (0: never).
    public var feedDownAfter: Int64

    public init(
        offlineRules: [OfflineRule] = [],
        countingRules: [CountingRule] = [],
        fleetRules: [FleetRule] = [],
        startupGrace: Int64 = 0,
        logCapacity: Int = 20,
        feedDownAfter: Int64 = 0
    ) {
        self.feedDownAfter = feedDownAfter
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
}

/// The single owner of the client table, the connection logs, rule evaluation and the alert
/// lifecycle. Pure and deterministic: it never reads a clock — every call says what time it is —
/// and does no I/O. Not thread-safe by design: one task owns it.
public final class Engine {
    private typealias Phase = SlotPhase
    private typealias Slot = OfflineSlot

    /// One fleet rule's state for one group of clients.
    private struct FleetGroup {
        var key: String
        var members: [Int32] = []
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

    /// Every client's offline slots in one array (one allocation for all clients, not one each):
    /// client `c`'s slots are `all[start[c]..<start[c + 1]]`.
    private struct SlotTable {
        private(set) var all: [Slot] = []
        private var start: [Int32] = [0]

        /// The positions of the client's slots.
        func indices(of client: Int) -> Range<Int> { 0..<Int(start[client + 1] - start[client]) }

        func row(_ client: Int) -> ArraySlice<Slot> { all[Int(start[client])..<Int(start[client + 1])] }

        subscript(client: Int, slot: Int) -> Slot {
            get { all[Int(start[client]) + slot] }
            _modify { yield &all[Int(start[client]) + slot] }
        }

        /// Adds the next client's slots.
        mutating func append(_ slots: [Slot]) {
            all.append(contentsOf: slots)
            endClient()
        }

        /// Adds a slot of the next client (`endClient` ends its list).
        mutating func appendSlot(_ slot: Slot) {
            all.append(slot)
        }

        mutating func endClient() {
            start.append(Int32(all.count))
        }

        mutating func reserveCapacity(clients: Int) {
            start.reserveCapacity(clients + 1)
        }
    }

    /// The health of one broker's feed.
    private struct Feed {
        var broker: String
        var up = true
        var since: Int64 = 0
        var reason = ""
        var timer = DeadlineState()
        var alert: Alert?
        /// Offline deadlines that came due while the feed was down: (client, slot), each once.
        var paused: [(client: Int32, slot: Int32)] = []
    }

    public private(set) var configuration: EngineConfiguration {
        didSet { offlineTiming = Self.timing(of: configuration) }
    }
    /// Per offline rule: what it waits for and how long, read on every event without copying the rule.
    private var offlineTiming: [(condition: OfflineRule.Condition, forDuration: Int64)] = []

    private static func timing(
        of configuration: EngineConfiguration
    ) -> [(
        condition: OfflineRule.Condition, forDuration: Int64
    )] {
        configuration.offlineRules.map { ($0.condition, $0.forDuration) }
    }
    public let startTime: Int64
    /// Nothing fires before this time.
    public var graceEnd: Int64 { startTime + configuration.startupGrace }

    private var clientStates: [ClientState] = []
    private var slots = SlotTable()
    /// Per counting rule: its groups' slots and the index from group key to slot.
    private var counterSlots: [[CounterSlot]] = []
    private var counterIndex: [[String: Int32]] = []
    /// Per counting rule: its freed slots, taken again by new groups.
    private var freeCounterSlots: [[Int32]] = []
    /// Per counting rule: the sweep that frees its idle windows once their newest time has left
    /// the window (idle windows have no deadline of their own), and when it last ran.
    private var counterSweeps: [DeadlineState] = []
    private var lastCounterSweep: [Int64] = []
    /// Counter slots freed since the store last saw them, that it holds a record of: to delete.
    private var freedCounters: [CounterRecord] = []
    /// Per fleet rule: its groups and the index from group key to group.
    private var fleetGroups: [[FleetGroup]] = []
    private var fleetIndex: [[String: Int32]] = []
    /// Per client and fleet rule (`client * fleetRules.count + rule`): its group, or -1.
    private var clientFleet: [Int32] = []
    /// Per client: bit `r` is set when counting rule `r` matches it (client labels never change).
    /// Only kept while there are at most 64 counting rules.
    private var countingMatches: [UInt64] = []
    /// Per counting rule grouped by client: each client's counter slot, or -1 (none yet). Such
    /// rules have no entries in `counterIndex`. Empty for the other rules; filled up lazily.
    private var clientCounter: [[Int32]] = []
    /// Long texts (reasons, addresses) seen lately, so clients and log entries share one copy.
    private var texts = TextCache()
    /// The label sets clients have in common, so that clients of one type share one.
    private var labels = SharedLabelsCache()
    private var feeds: [Feed] = []
    private var index: [String: Int32] = [:]
    /// Every slot's deadline, at most one queued entry of its own per slot.
    private var deadlines = Deadlines()
    /// Clients changed since the store last saw them (flag per client, and their positions).
    private var unsavedClient: [Bool] = []
    /// Restored clients that no event has mentioned yet in this run (`unseen_is_offline`).
    private var unseen: [Bool] = []
    private var unsavedClients: [Int32] = []
    /// Counter slots changed since the store last saw them: (rule, slot).
    private var unsavedCounters: [(rule: Int32, slot: Int32)] = []
    /// A reload renumbered the counting rules: the store rewrites all of them.
    private var countersReplaced = false
    public private(set) var counters = EngineCounters()
    public private(set) var firingCount = 0
    public private(set) var disconnectedCount = 0

    public init(configuration: EngineConfiguration, startTime: Int64) {
        self.configuration = configuration
        self.offlineTiming = Self.timing(of: configuration)
        self.startTime = startTime
        counterSlots = Array(repeating: [], count: configuration.countingRules.count)
        counterIndex = Array(repeating: [:], count: configuration.countingRules.count)
        freeCounterSlots = Array(repeating: [], count: configuration.countingRules.count)
        counterSweeps = Array(repeating: DeadlineState(), count: configuration.countingRules.count)
        lastCounterSweep = Array(repeating: .min, count: configuration.countingRules.count)
        clientCounter = Array(repeating: [], count: configuration.countingRules.count)
        fleetGroups = Array(repeating: [], count: configuration.fleetRules.count)
        fleetIndex = Array(repeating: [:], count: configuration.fleetRules.count)
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
        slots.all.compactMap { $0.phase == .firing || $0.phase == .cooling ? $0.alert : nil }
            + counterSlots.flatMap { $0.compactMap { $0.phase == .firing ? $0.alert : nil } }
            + fleetGroups.flatMap { $0.compactMap { $0.phase == .firing ? $0.alert : nil } }
            + feeds.compactMap(\.alert)
    }

    /// Offline and inactive alerts waiting out their `for`, as they would read at `now` (state
    /// `pending`, `startsAt` = when the condition began). Built on demand, for the query API.
    public func pendingAlerts(at now: Int64) -> [Alert] {
        var result: [Alert] = []
        for position in clientStates.indices {
            for slot in slots.row(position) where slot.phase == .pending {
                var alert = firingAlert(client: position, slot: slot, at: now)
                alert.state = .pending
                alert.startsAt = slot.since
                result.append(alert)
            }
        }
        return result
    }

    /// Clients by connection status, counted in place (no client is copied: `/metrics` asks
    /// for this on every scrape).
    public var clientCountsByStatus: [ConnectionStatus: Int] {
        var connected = 0
        var unknown = 0
        for position in clientStates.indices {
            switch clientStates[position].status {
            case .connected: connected += 1
            case .unknown: unknown += 1
            case .disconnected: break
            }
        }
        return [.connected: connected, .disconnected: disconnectedCount, .unknown: unknown]
    }

    /// How many offline and inactive alerts wait out their `for` (what `pendingAlerts` lists).
    public var pendingCount: Int {
        slots.all.count { $0.phase == .pending }
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
        if let existing = index[event.clientID] {
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
        // Mutated in place: copying the state out and back would copy its log on every event.
        let transition = Self.apply(event, at: time, to: &clientStates[position], texts: &texts)
        switch transition {
        case .connected(let wasDisconnected):
            clientConnected(position, at: time, into: &changes)
            clientActive(position, at: time, into: &changes)
            if wasDisconnected {
                disconnectedCount -= 1
                fleetMemberChanged(position, offlineDelta: -1, at: time, into: &changes)
                count(event, client: position, at: time, transition: true, into: &changes)
            }
        case .disconnected(let wasDisconnected):
            if !wasDisconnected {
                disconnectedCount += 1
                fleetMemberChanged(position, offlineDelta: 1, at: time, into: &changes)
            }
            clientDisconnected(position, at: time, now: now)
            clientActive(position, at: time, into: &changes)
            count(event, client: position, at: time, transition: !wasDisconnected, into: &changes)
        case .takeover:
            counters.takeovers += 1
            clientActive(position, at: time, into: &changes)
        case .stale:
            counters.outOfOrder += 1
        case .recorded:
            count(event, client: position, at: time, transition: false, into: &changes)
            clientActive(position, at: time, into: &changes)
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

    private static func apply(
        _ event: StatusEvent,
        at time: Int64,
        to state: inout ClientState,
        texts: inout TextCache
    ) -> Transition {
        // Long texts are stored once: the client's current text if equal, else the shared copy.
        let reasonText = texts.shared(event.reasonText, current: state.reasonText)
        let clientAddress = texts.shared(event.clientAddress, current: state.clientAddress)
        let transition: Transition
        switch event.action {
        case .connect:
            if state.status == .connected && state.lastConnectTime == time {
                transition = .stale  // the same connect again (a retained message re-delivered)
            } else if isNewest(event, at: time, state: state) {
                transition = .connected(wasDisconnected: state.status == .disconnected)
                state.status = .connected
                state.lastConnectTime = time
                state.protocolName = event.protocolName ?? state.protocolName
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
                state.reasonText = reasonText
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
        var entry = ConnectionLogEntry(event: event, applied: applied)
        entry.reasonText = reasonText
        entry.clientAddress = clientAddress
        state.log.append(entry)
        return transition
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
        configuration = newConfiguration
        // Slots are renumbered: their queued deadlines are dropped, and the kept ones armed anew.
        for slot in slots.all { deadlines.forget(dropped: slot.timer) }
        for feed in feeds.indices { feeds[feed].paused = [] }
        var rebuilt = SlotTable()
        for position in clientStates.indices {
            let client = clientStates[position]
            let oldSlots = Array(slots.row(position))
            var kept = Set<Int>()
            var newSlots: [Slot] = []
            for (ruleIndex, rule) in newConfiguration.offlineRules.enumerated() where rule.match.matches(client) {
                let slotPosition = newSlots.count
                var slot: Slot
                if let old = oldSlots.indices.first(where: { oldRules[Int(oldSlots[$0].rule)].name == rule.name }) {
                    kept.insert(old)
                    slot = oldSlots[old]
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
                newSlots.append(slot)
            }
            for (index, old) in oldSlots.enumerated()
            where !kept.contains(index) && (old.phase == .firing || old.phase == .cooling) {
                if var alert = old.alert, old.notified {
                    alert.state = .resolved
                    alert.endsAt = max(now, alert.startsAt)
                    changes.append(AlertChange(alert: alert))
                }
                firingCount -= 1
            }
            rebuilt.append(newSlots)
        }
        slots = rebuilt
        reconfigureCounters(oldRules: oldCounting, now: now, into: &changes)
        if oldFleet != newConfiguration.fleetRules { rebuildFleet(now: now, into: &changes) }
        compactDeadlinesIfNeeded()
    }

    /// Fleet rules changed: resolve their alerts and count the groups anew from the client table.
    private func rebuildFleet(now: Int64, into changes: inout [AlertChange]) {
        for groups in fleetGroups {
            for group in groups { deadlines.forget(dropped: group.timer) }
            for group in groups where group.phase == .firing {
                if var alert = group.alert, group.notified {
                    alert.state = .resolved
                    alert.endsAt = max(now, alert.startsAt)
                    changes.append(AlertChange(alert: alert))
                }
                firingCount -= 1
            }
        }
        fleetGroups = Array(repeating: [], count: configuration.fleetRules.count)
        fleetIndex = Array(repeating: [:], count: configuration.fleetRules.count)
        clientFleet = []
        clientFleet.reserveCapacity(clientStates.count * configuration.fleetRules.count)
        for position in clientStates.indices {
            var memberships: [Int32] = []
            for (ruleIndex, rule) in configuration.fleetRules.enumerated() {
                memberships.append(
                    rule.match.matches(clientStates[position])
                        ? joinFleet(rule: ruleIndex, position: position, client: clientStates[position]) : -1
                )
            }
            clientFleet.append(contentsOf: memberships)
        }
        for ruleIndex in fleetGroups.indices {
            for group in fleetGroups[ruleIndex].indices {
                evaluateFleet(rule: ruleIndex, group: group, at: now, into: &changes)
            }
        }
    }

    /// Counting rules that keep their name keep their counts and alerts; the rest resolve.
    private func reconfigureCounters(oldRules: [CountingRule], now: Int64, into changes: inout [AlertChange]) {
        countingMatches = clientStates.map { countingMask($0) }
        // Rules are renumbered: their queued deadlines are dropped, and the kept ones armed anew.
        for ruleCounters in counterSlots {
            for slot in ruleCounters {
                if let timer = slot.timer { deadlines.forget(dropped: timer) }
            }
        }
        for sweep in counterSweeps { deadlines.forget(dropped: sweep) }
        counterSweeps = Array(repeating: DeadlineState(), count: configuration.countingRules.count)
        lastCounterSweep = Array(repeating: .min, count: configuration.countingRules.count)
        let oldCounters = counterSlots
        let oldIndex = counterIndex
        let oldClientCounter = clientCounter
        let oldFree = freeCounterSlots
        counterSlots = []
        counterIndex = []
        clientCounter = []
        freeCounterSlots = []
        var kept = Set<Int>()
        for rule in configuration.countingRules {
            if let old = oldRules.firstIndex(where: { $0.name == rule.name && $0.grouping == rule.grouping }) {
                kept.insert(old)
                counterSlots.append(oldCounters[old])
                counterIndex.append(oldIndex[old])
                clientCounter.append(oldClientCounter[old])
                freeCounterSlots.append(oldFree[old])
            } else {
                counterSlots.append([])
                counterIndex.append([:])
                clientCounter.append([])
                freeCounterSlots.append([])
            }
        }
        for (ruleIndex, ruleCounters) in counterSlots.enumerated() {
            let rule = configuration.countingRules[ruleIndex]
            for position in ruleCounters.indices {
                var slot = ruleCounters[position]
                guard !slot.isFree else { continue }
                if slot.phase != .idle {
                    slot.activeBox().timer = DeadlineState()
                    if slot.times.count > rule.count { slot.times.removeFirst(slot.times.count - rule.count) }
                    scheduleCounter(
                        &slot,
                        rule: ruleIndex,
                        slot: position,
                        at: max(now, slot.times.first.map { $0 + rule.window } ?? now)
                    )
                } else {
                    windowIdle(slot, rule: ruleIndex)
                }
                counterSlots[ruleIndex][position] = slot
            }
        }
        countersReplaced = true
        unsavedCounters = []
        freedCounters = []
        for ruleIndex in counterSlots.indices {
            for position in counterSlots[ruleIndex].indices { counterSlots[ruleIndex][position].unsaved = false }
        }
        for (old, ruleCounters) in oldCounters.enumerated() where !kept.contains(old) {
            for slot in ruleCounters where slot.phase == .firing {
                if var alert = slot.alert, slot.notified {
                    alert.state = .resolved
                    alert.endsAt = max(now, alert.startsAt)
                    changes.append(AlertChange(alert: alert))
                }
                firingCount -= 1
            }
        }
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
            case .offline:
                break
            }
            let clientPosition = Int(key.first)
            let slotPosition = Int(key.second)
            guard clientPosition < clientStates.count, slotPosition < slots.indices(of: clientPosition).count,
                deadlines.settle(entry, &slots[clientPosition, slotPosition].timer)
            else { continue }
            let slot = slots[clientPosition, slotPosition]
            if slot.phase == .cooling {
                // `keep_firing_for` has passed with the client still back: now it resolves.
                resolveSlot(clientPosition, slotPosition, at: entry.deadline, into: &changes)
                continue
            }
            guard slot.phase == .pending else { continue }
            if let feed = feeds.firstIndex(where: { $0.broker == clientStates[clientPosition].broker }), !feeds[feed].up
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
            slots[clientPosition, slotPosition].alert = alert
            slots[clientPosition, slotPosition].notified = notify
            firingCount += 1
            if notify { changes.append(AlertChange(alert: alert)) }
        }
    }

    // MARK: Internals

    /// Adds a client first heard of in `event`; returns its position.
    private func addClient(_ event: StatusEvent, broker: String) -> Int {
        addClient(ClientState(event: event, broker: broker, logCapacity: configuration.logCapacity))
    }

    /// Adds a client (new, or restored with its state) with idle slots for the rules it matches.
    private func addClient(_ client: consuming ClientState) -> Int {
        // Everything is worked out on the local value, which is then moved into the table.
        var state = client
        state.sharedLabels = labels.shared(state.sharedLabels)
        let position = clientStates.count
        unsavedClient.append(false)
        unseen.append(false)
        index[state.clientID] = Int32(position)
        if state.status == .disconnected { disconnectedCount += 1 }
        for ruleIndex in configuration.offlineRules.indices
        where configuration.offlineRules[ruleIndex].match.matches(state) {
            slots.appendSlot(Slot(rule: Int32(ruleIndex)))
        }
        slots.endClient()
        for ruleIndex in configuration.fleetRules.indices {
            clientFleet.append(
                configuration.fleetRules[ruleIndex].match.matches(state)
                    ? joinFleet(rule: ruleIndex, position: position, client: state) : -1
            )
        }
        countingMatches.append(countingMask(state))
        for ruleIndex in clientCounter.indices where !clientCounter[ruleIndex].isEmpty {
            clientCounter[ruleIndex].append(-1)
        }
        clientStates.append(state)
        return position
    }

    /// The counting rules matching `client`, as bits; all bits when there are more than 64 rules
    /// (then `count` checks the matcher itself).
    private func countingMask(_ client: ClientState) -> UInt64 {
        guard configuration.countingRules.count <= 64 else { return .max }
        var mask: UInt64 = 0
        for ruleIndex in configuration.countingRules.indices
        where configuration.countingRules[ruleIndex].match.matches(client) {
            mask |= 1 << UInt64(ruleIndex)
        }
        return mask
    }

    /// Whether counting rule `ruleIndex` matches the client at `position`.
    @inline(__always)
    private func countingRuleMatches(_ ruleIndex: Int, client position: Int) -> Bool {
        let rules = configuration.countingRules
        if rules.count > 64 { return rules[ruleIndex].match.matches(clientStates[position]) }
        return countingMatches[position] & (1 << UInt64(ruleIndex)) != 0
    }

    /// The counter slot of a rule grouped by client for the client at `position`, if it has one;
    /// for rules grouped otherwise, the slot whose key is the client id (as a group key).
    private func existingCounterSlot(rule ruleIndex: Int, client position: Int) -> Int32? {
        guard configuration.countingRules[ruleIndex].grouping == .client else {
            return counterIndex[ruleIndex][clientStates[position].clientID]
        }
        guard position < clientCounter[ruleIndex].count else { return nil }
        let slot = clientCounter[ruleIndex][position]
        return slot >= 0 ? slot : nil
    }

    private func setCounterSlot(_ slot: Int32, rule ruleIndex: Int, client position: Int) {
        if clientCounter[ruleIndex].count < clientStates.count {
            clientCounter[ruleIndex].append(
                contentsOf: repeatElement(-1, count: clientStates.count - clientCounter[ruleIndex].count)
            )
        }
        clientCounter[ruleIndex][position] = slot
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
        for slotPosition in slots.indices(of: position)
        where offlineTiming[Int(slots[position, slotPosition].rule)].condition != .noActivity {
            endSlot(position, slotPosition, at: time, into: &changes)
        }
        restartInactive(position, basis: .noConnect, at: time)
    }

    /// A pending slot goes idle; a firing one resolves, or with `keep_firing_for` keeps firing
    /// that long first.
    private func endSlot(_ position: Int, _ slotPosition: Int, at time: Int64, into changes: inout [AlertChange]) {
        var slot = slots[position, slotPosition]
        switch slot.phase {
        case .idle, .cooling:
            return
        case .pending:
            slot.phase = .idle
        case .firing:
            let keep = configuration.offlineRules[Int(slot.rule)].keepFiringFor
            guard keep <= 0 else {
                slot.phase = .cooling
                schedule(&slot, client: position, slot: slotPosition, deadline: time + keep)
                slots[position, slotPosition] = slot
                return
            }
            resolveSlot(position, slotPosition, at: time, into: &changes)
            return
        }
        deadlines.disarm(&slot.timer)
        slots[position, slotPosition] = slot
    }

    /// A firing (or cooling) slot resolves at `time`.
    private func resolveSlot(_ position: Int, _ slotPosition: Int, at time: Int64, into changes: inout [AlertChange]) {
        var slot = slots[position, slotPosition]
        if var alert = slot.alert, slot.notified {
            alert.state = .resolved
            alert.endsAt = max(time, alert.startsAt)
            changes.append(AlertChange(alert: alert))
        }
        firingCount -= 1
        slot.phase = .idle
        slot.alert = nil
        slot.notified = false
        deadlines.disarm(&slot.timer)
        slots[position, slotPosition] = slot
    }

    /// Starts the clock of the client's `inactive` slots of `basis` from `time`.
    private func restartInactive(_ position: Int, basis: OfflineRule.Condition, at time: Int64) {
        guard offlineTiming.contains(where: { $0.condition == basis }) else { return }
        for slotPosition in slots.indices(of: position) {
            let timing = offlineTiming[Int(slots[position, slotPosition].rule)]
            guard timing.condition == basis, slots[position, slotPosition].phase == .idle else { continue }
            var slot = slots[position, slotPosition]
            slot.phase = .pending
            slot.since = time
            schedule(&slot, client: position, slot: slotPosition, deadline: time + timing.forDuration)
            slots[position, slotPosition] = slot
        }
    }

    /// Any event of the client: `inactive` rules on activity end and start again.
    private func clientActive(_ position: Int, at time: Int64, into changes: inout [AlertChange]) {
        guard offlineTiming.contains(where: { $0.condition == .noActivity }) else { return }
        for slotPosition in slots.indices(of: position)
        where offlineTiming[Int(slots[position, slotPosition].rule)].condition == .noActivity {
            endSlot(position, slotPosition, at: time, into: &changes)
        }
        restartInactive(position, basis: .noActivity, at: time)
    }

    private func offlineKey(_ position: Int, _ slotPosition: Int) -> DeadlineKey {
        DeadlineKey(kind: .offline, first: Int32(position), second: Int32(slotPosition))
    }

    /// Starts the offline rules' clocks from the disconnect `time`; an event that arrives late
    /// (its deadline already past at `now`) fires at `now`, not in the past.
    private func clientDisconnected(_ position: Int, at time: Int64, now: Int64) {
        for slotPosition in slots.indices(of: position) where slots[position, slotPosition].phase == .cooling {
            // Gone again within `keep_firing_for`: the same alert simply keeps firing.
            slots[position, slotPosition].phase = .firing
            deadlines.disarm(&slots[position, slotPosition].timer)
        }
        for slotPosition in slots.indices(of: position) where slots[position, slotPosition].phase == .idle {
            let timing = offlineTiming[Int(slots[position, slotPosition].rule)]
            guard timing.condition == .disconnected else { continue }
            var slot = slots[position, slotPosition]
            slot.phase = .pending
            slot.since = time
            schedule(&slot, client: position, slot: slotPosition, deadline: max(time + timing.forDuration, now))
            slots[position, slotPosition] = slot
        }
    }

    /// Arms `slot` for `deadline` (never before the grace ends).
    private func schedule(_ slot: inout Slot, client position: Int, slot slotPosition: Int, deadline: Int64) {
        deadlines.arm(&slot.timer, at: max(deadline, graceEnd), key: offlineKey(position, slotPosition))
    }

    /// Rebuilds the deadline queue without its orphans once they outnumber the slots' own entries.
    private func compactDeadlinesIfNeeded() {
        guard deadlines.needsCompaction else { return }
        deadlines.compact { entry in self.isOwnDeadline(entry) }
    }

    /// Whether `entry` is the queued entry of the slot it names.
    private func isOwnDeadline(_ entry: Deadlines.Entry) -> Bool {
        let first = Int(entry.key.first)
        let second = Int(entry.key.second)
        switch entry.key.kind {
        case .offline:
            guard first < clientStates.count, second < slots.indices(of: first).count else { return false }
            return Deadlines.isOwn(entry, of: slots[first, second].timer)
        case .counter:
            guard first < counterSlots.count, second < counterSlots[first].count,
                let timer = counterSlots[first][second].timer
            else { return false }
            return Deadlines.isOwn(entry, of: timer)
        case .sweep:
            return first < counterSweeps.count && Deadlines.isOwn(entry, of: counterSweeps[first])
        case .fleet:
            guard first < fleetGroups.count, second < fleetGroups[first].count else { return false }
            return Deadlines.isOwn(entry, of: fleetGroups[first][second].timer)
        case .feed:
            return first < feeds.count && Deadlines.isOwn(entry, of: feeds[first].timer)
        }
    }

    // MARK: Counting rules

    /// Counts `event` for every counting rule it matches.
    private func count(
        _ event: StatusEvent,
        client position: Int,
        at time: Int64,
        transition: Bool,
        into changes: inout [AlertChange]
    ) {
        // Rules are read in place: copying one would retain and release each of its texts and lists.
        let rules = configuration.countingRules
        for ruleIndex in rules.indices where countingRuleMatches(ruleIndex, client: position) {
            guard rules[ruleIndex].counts(event) else { continue }
            if rules[ruleIndex].kind == .flapping && !transition { continue }
            let slotPosition: Int
            if rules[ruleIndex].grouping == .client,
                let existing = existingCounterSlot(rule: ruleIndex, client: position)
            {
                slotPosition = Int(existing)
            } else {
                let key: String
                switch rules[ruleIndex].grouping {
                case .client: key = clientStates[position].clientID
                case .address:
                    guard let address = event.clientAddress, !address.isEmpty else { continue }
                    key = address
                case .label(let label): key = label.value(of: clientStates[position])
                }
                if rules[ruleIndex].grouping == .client {
                    // Found by the client's position, not by a key lookup.
                    slotPosition = addCounterSlot(CounterSlot(key: key), rule: ruleIndex)
                    setCounterSlot(Int32(slotPosition), rule: ruleIndex, client: position)
                } else if let existing = counterIndex[ruleIndex][key] {
                    slotPosition = Int(existing)
                } else {
                    slotPosition = addCounterSlot(CounterSlot(key: key), rule: ruleIndex)
                    counterIndex[ruleIndex][key] = Int32(slotPosition)
                }
            }
            // Taken out by a swap: no reference counting, and `slot.times` is not copied on write.
            // Meanwhile the table holds an empty slot; nothing below reads this rule's slots
            // (firing checks inhibition by flapping only for the other rules).
            var slot = CounterSlot(key: "")
            swap(&slot, &counterSlots[ruleIndex][slotPosition])
            let insertAt = slot.times.lastIndex { $0 <= time }.map { $0 + 1 } ?? 0
            slot.times.insert(time, at: insertAt)
            if slot.times.count > rules[ruleIndex].count {
                slot.times.removeFirst(slot.times.count - rules[ruleIndex].count)
            }
            slot.lastClient = Int32(position)
            let holds = Self.threshold(slot, rules[ruleIndex], at: time)
            switch slot.phase {
            case .idle where !holds:
                windowIdle(slot, rule: ruleIndex)
            case .idle:
                if time < graceEnd {
                    slot.phase = .pending
                    scheduleCounter(&slot, rule: ruleIndex, slot: slotPosition, at: graceEnd)
                } else {
                    fireCounter(&slot, rule: ruleIndex, at: time, into: &changes)
                    scheduleCounter(
                        &slot,
                        rule: ruleIndex,
                        slot: slotPosition,
                        at: Self.resolveDeadline(slot, rules[ruleIndex])
                    )
                }
            case .firing:
                scheduleCounter(
                    &slot,
                    rule: ruleIndex,
                    slot: slotPosition,
                    at: Self.resolveDeadline(slot, rules[ruleIndex])
                )
            default:
                break
            }
            swap(&slot, &counterSlots[ruleIndex][slotPosition])
            markUnsaved(counterRule: ruleIndex, slot: slotPosition)
        }
    }

    /// Whether the last `count` events of `slot` all lie within the window ending at `time`.
    private static func threshold(_ slot: CounterSlot, _ rule: CountingRule, at time: Int64) -> Bool {
        slot.times.count >= rule.count && slot.times[slot.times.count - rule.count] + rule.window > time
    }

    /// Whether a firing counter still holds at `time`: at least `resolveBelow` events in the window.
    private static func stillHolds(_ slot: CounterSlot, _ rule: CountingRule, at time: Int64) -> Bool {
        slot.times.count >= rule.resolveBelow && slot.times[slot.times.count - rule.resolveBelow] + rule.window > time
    }

    /// When a firing counter stops holding unless more events come.
    private static func resolveDeadline(_ slot: CounterSlot, _ rule: CountingRule) -> Int64 {
        slot.times[max(slot.times.count - rule.resolveBelow, 0)] + rule.window
    }

    private func scheduleCounter(_ slot: inout CounterSlot, rule: Int, slot position: Int, at deadline: Int64) {
        let box = slot.activeBox()
        deadlines.arm(
            &box.timer,
            at: deadline,
            key: DeadlineKey(kind: .counter, first: Int32(rule), second: Int32(position))
        )
    }

    /// A pending or firing window goes idle: its deadline (settled by the caller, or about to be
    /// forgotten) and alert are dropped, and its rule's sweep frees it once its window empties.
    private func goIdle(_ slot: inout CounterSlot, rule ruleIndex: Int) {
        if let timer = slot.timer { deadlines.forget(dropped: timer) }
        slot.phase = .idle
        slot.notified = false
        slot.dropBox()
        windowIdle(slot, rule: ruleIndex)
    }

    /// An idle window with times: the rule's sweep is due no later than when they all leave the
    /// window, or, for rules with many windows, up to a quarter window later (a sweep reads every
    /// window of its rule, so that many are swept at most four times a window).
    private func windowIdle(_ slot: CounterSlot, rule ruleIndex: Int) {
        guard let last = slot.times.last else { return }
        let expiry = last + configuration.countingRules[ruleIndex].window
        let sweep = counterSweeps[ruleIndex]
        var due = expiry
        if sweep.isArmed {
            guard expiry < sweep.deadline else { return }
            due = max(expiry, sweepSpacing(rule: ruleIndex, after: lastCounterSweep[ruleIndex]))
            guard due < sweep.deadline else { return }
        }
        deadlines.arm(&counterSweeps[ruleIndex], at: due, key: DeadlineKey(kind: .sweep, first: Int32(ruleIndex)))
    }

    /// The earliest time the rule's next sweep may run after one at `time`: at once for rules with
    /// few windows, else a quarter window later (sweeps are then amortised over the windows freed).
    private func sweepSpacing(rule ruleIndex: Int, after time: Int64) -> Int64 {
        guard counterSlots[ruleIndex].count > 64, time != .min else { return .min }
        return time + configuration.countingRules[ruleIndex].window / 4
    }

    /// The rule's sweep: frees every idle window whose newest time has left it, and is armed again
    /// while idle windows remain.
    private func sweepCounters(rule ruleIndex: Int, _ entry: Deadlines.Entry) {
        guard ruleIndex < counterSweeps.count, deadlines.settle(entry, &counterSweeps[ruleIndex]) else { return }
        let now = entry.deadline
        lastCounterSweep[ruleIndex] = now
        let window = configuration.countingRules[ruleIndex].window
        var next = Int64.max
        for position in counterSlots[ruleIndex].indices
        where counterSlots[ruleIndex][position].phase == .idle && !counterSlots[ruleIndex][position].isFree {
            guard let last = counterSlots[ruleIndex][position].times.last else { continue }
            if last + window <= now {
                freeCounterSlot(rule: ruleIndex, slot: position)
            } else {
                next = min(next, last + window)
            }
        }
        guard next != .max else { return }
        deadlines.arm(
            &counterSweeps[ruleIndex],
            at: max(next, sweepSpacing(rule: ruleIndex, after: now)),
            key: DeadlineKey(kind: .sweep, first: Int32(ruleIndex))
        )
    }

    /// Puts a new group's slot in a freed position of the rule, or at the end; returns its position.
    private func addCounterSlot(_ slot: CounterSlot, rule ruleIndex: Int) -> Int {
        guard let position = freeCounterSlots[ruleIndex].popLast().map(Int.init) else {
            counterSlots[ruleIndex].append(slot)
            return counterSlots[ruleIndex].count - 1
        }
        var reused = slot
        // Still listed in `unsavedCounters` if it was before it was freed: listed once.
        reused.unsaved = counterSlots[ruleIndex][position].unsaved
        counterSlots[ruleIndex][position] = reused
        return position
    }

    /// Frees an idle slot whose window is empty: its group is forgotten, the store deletes its
    /// record, and its position goes to the rule's free list.
    private func freeCounterSlot(rule ruleIndex: Int, slot position: Int) {
        let slot = counterSlots[ruleIndex][position]
        let rule = configuration.countingRules[ruleIndex]
        if counterIndex[ruleIndex][slot.key] == Int32(position) {
            counterIndex[ruleIndex][slot.key] = nil
        } else if rule.grouping == .client, let client = index[slot.key],
            existingCounterSlot(rule: ruleIndex, client: Int(client)) == Int32(position)
        {
            clientCounter[ruleIndex][Int(client)] = -1
        }
        if slot.saved && !countersReplaced {
            freedCounters.append(
                CounterRecord(
                    rule: rule.name,
                    key: slot.key,
                    times: [],
                    lastClient: "",
                    alert: nil,
                    notified: false,
                    isLive: false
                )
            )
        }
        if let timer = slot.timer { deadlines.forget(dropped: timer) }
        counterSlots[ruleIndex][position] = CounterSlot.freed(unsaved: slot.unsaved)
        freeCounterSlots[ruleIndex].append(Int32(position))
    }

    private func counterDeadline(
        rule ruleIndex: Int,
        slot position: Int,
        _ entry: Deadlines.Entry,
        into changes: inout [AlertChange]
    ) {
        guard ruleIndex < counterSlots.count, position < counterSlots[ruleIndex].count,
            let box = counterSlots[ruleIndex][position].box, deadlines.settle(entry, &box.timer)
        else { return }
        let time = entry.deadline
        var slot = counterSlots[ruleIndex][position]
        let rule = configuration.countingRules[ruleIndex]
        switch slot.phase {
        case .idle:
            return  // idle windows have no deadline of their own
        case .pending:
            if Self.threshold(slot, rule, at: time) {
                fireCounter(&slot, rule: ruleIndex, at: time, into: &changes)
                scheduleCounter(&slot, rule: ruleIndex, slot: position, at: Self.resolveDeadline(slot, rule))
            } else {
                goIdle(&slot, rule: ruleIndex)
            }
        case .firing:
            if Self.stillHolds(slot, rule, at: time) {
                scheduleCounter(&slot, rule: ruleIndex, slot: position, at: Self.resolveDeadline(slot, rule))
            } else {
                if var alert = slot.alert, slot.notified {
                    alert.state = .resolved
                    alert.endsAt = max(time, alert.startsAt)
                    changes.append(AlertChange(alert: alert))
                }
                firingCount -= 1
                goIdle(&slot, rule: ruleIndex)
                counterSlots[ruleIndex][position] = slot
                markUnsaved(counterRule: ruleIndex, slot: position)
                if rule.kind == .flapping, let client = index[slot.key] {
                    releaseHeldBack(Int(client), at: time, holdDown: 60_000)
                }
                return
            }
        case .cooling:
            break
        }
        counterSlots[ruleIndex][position] = slot
        markUnsaved(counterRule: ruleIndex, slot: position)
    }

    private func fireCounter(
        _ slot: inout CounterSlot,
        rule ruleIndex: Int,
        at time: Int64,
        into changes: inout [AlertChange]
    ) {
        let rule = configuration.countingRules[ruleIndex]
        let client = clientStates[Int(slot.lastClient)]
        var labels = rule.labels
        labels["alertname"] = rule.name
        labels["severity"] = rule.severity
        switch rule.grouping {
        case .client:
            for label in ClientLabel.allCases {
                let value = label.value(of: client)
                if !value.isEmpty { labels[label.rawValue] = value }
            }
        case .address:
            labels["client_address"] = slot.key
        case .label(let label):
            labels[label.rawValue] = slot.key
        }
        let variables = AlertVariables(
            client: client,
            rule: rule.name,
            severity: rule.severity,
            since: slot.times.first ?? time,
            now: time,
            extra: [
                "group": slot.key, "count": String(slot.times.count),
                "window": DurationText.format(milliseconds: rule.window),
            ]
        )
        var annotations = LabelSet()
        for annotation in rule.annotations {
            annotations[annotation.name] = annotation.template.render { variables.value(of: $0, labels: labels) }
        }
        let alert = Alert(
            labels: labels,
            annotations: annotations,
            rule: rule.name,
            state: .firing,
            activeSince: slot.times.first ?? time,
            startsAt: time,
            receivers: rule.receivers
        )
        slot.phase = .firing
        slot.alert = alert
        firingCount += 1
        // Per-client counts are inhibited like offline alerts (a flapping alert is not held back
        // by flapping); group counts speak for many clients.
        slot.notified =
            !(rule.grouping == .client
            && isInhibited(Int(slot.lastClient), byFlapping: rule.kind != .flapping))
        if slot.notified { changes.append(AlertChange(alert: alert)) }
    }

    // MARK: Feed health

    /// Whether a broker's feed is up (`true` for brokers never reported down).
    public func isFeedUp(_ broker: String) -> Bool {
        feeds.first { $0.broker == broker }?.up ?? true
    }

    /// The connection to `broker` is lost (or not there yet): offline alerts of its clients pause,
    /// and after `feedDownAfter` the built-in `feed_down` alert fires.
    public func feedDown(_ broker: String, reason: String, at time: Int64) {
        let position = feedIndex(broker)
        guard feeds[position].up else { return }
        feeds[position].up = false
        feeds[position].since = time
        feeds[position].reason = reason
        if configuration.feedDownAfter > 0 {
            deadlines.arm(
                &feeds[position].timer,
                at: time + configuration.feedDownAfter,
                key: DeadlineKey(kind: .feed, first: Int32(position))
            )
        } else {
            deadlines.disarm(&feeds[position].timer)
        }
    }

    /// The connection to `broker` is back: `feed_down` resolves, and offline alerts that came due
    /// meanwhile are re-timed to `startup_grace` from now, so retained states can arrive first.
    public func feedUp(_ broker: String, at time: Int64, into changes: inout [AlertChange]) {
        let position = feedIndex(broker)
        guard !feeds[position].up else { return }
        var feed = feeds[position]
        feed.up = true
        deadlines.disarm(&feed.timer)
        if var alert = feed.alert {
            alert.state = .resolved
            alert.endsAt = max(time, alert.startsAt)
            changes.append(AlertChange(alert: alert))
            firingCount -= 1
            feed.alert = nil
        }
        let paused = feed.paused
        feed.paused = []
        feeds[position] = feed
        for entry in paused {
            let client = Int(entry.client)
            let slotPosition = Int(entry.slot)
            var slot = slots[client, slotPosition]
            slot.paused = false
            slots[client, slotPosition].paused = false
            guard slot.phase == .pending else { continue }
            schedule(&slot, client: client, slot: slotPosition, deadline: time + configuration.startupGrace)
            slots[client, slotPosition] = slot
        }
    }

    private func feedIndex(_ broker: String) -> Int {
        if let position = feeds.firstIndex(where: { $0.broker == broker }) { return position }
        feeds.append(Feed(broker: broker))
        return feeds.count - 1
    }

    private func feedDeadline(_ position: Int, _ entry: Deadlines.Entry, into changes: inout [AlertChange]) {
        guard position < feeds.count, deadlines.settle(entry, &feeds[position].timer), !feeds[position].up else {
            return
        }
        let time = entry.deadline
        let feed = feeds[position]
        var labels = LabelSet()
        labels["alertname"] = "feed_down"
        labels["severity"] = "critical"
        labels["broker"] = feed.broker
        var annotations = LabelSet()
        annotations["summary"] =
            "broker \(feed.broker) unreachable for \(DurationText.format(milliseconds: time - feed.since)): "
            + "client alerts are paused"
        annotations["description"] = feed.reason
        let alert = Alert(
            labels: labels,
            annotations: annotations,
            rule: "feed_down",
            state: .firing,
            activeSince: feed.since,
            startsAt: time
        )
        feeds[position].alert = alert
        firingCount += 1
        changes.append(AlertChange(alert: alert))
    }

    // MARK: Fleet rules

    /// Adds a client to its group of a fleet rule; returns the group's index.
    private func joinFleet(rule ruleIndex: Int, position: Int, client: borrowing ClientState) -> Int32 {
        let key = configuration.fleetRules[ruleIndex].groupBy.map { $0.value(of: client) } ?? "all"
        let group: Int32
        if let existing = fleetIndex[ruleIndex][key] {
            group = existing
        } else {
            group = Int32(fleetGroups[ruleIndex].count)
            fleetGroups[ruleIndex].append(FleetGroup(key: key))
            fleetIndex[ruleIndex][key] = group
        }
        fleetGroups[ruleIndex][Int(group)].members.append(Int32(position))
        if client.status == .disconnected { fleetGroups[ruleIndex][Int(group)].offline += 1 }
        return group
    }

    /// A client of fleet groups went offline (+1) or came back (-1).
    private func fleetMemberChanged(
        _ position: Int,
        offlineDelta: Int,
        at time: Int64,
        into changes: inout [AlertChange]
    ) {
        guard !configuration.fleetRules.isEmpty else { return }
        let base = position * configuration.fleetRules.count
        for ruleIndex in configuration.fleetRules.indices {
            let group = clientFleet[base + ruleIndex]
            guard group >= 0 else { continue }
            fleetGroups[ruleIndex][Int(group)].offline += offlineDelta
            evaluateFleet(rule: ruleIndex, group: Int(group), at: time, into: &changes)
        }
    }

    private func evaluateFleet(
        rule ruleIndex: Int,
        group position: Int,
        at time: Int64,
        into changes: inout [AlertChange]
    ) {
        let rule = configuration.fleetRules[ruleIndex]
        var group = fleetGroups[ruleIndex][position]
        let holds = rule.holds(offline: group.offline, total: group.members.count)
        switch group.phase {
        case .idle where holds:
            group.phase = .pending
            group.since = time
            deadlines.arm(
                &group.timer,
                at: max(time + rule.forDuration, graceEnd),
                key: DeadlineKey(kind: .fleet, first: Int32(ruleIndex), second: Int32(position))
            )
        case .pending where !holds:
            group.phase = .idle
            deadlines.disarm(&group.timer)
        case .firing where !holds:
            fleetGroups[ruleIndex][position] = group
            resolveFleet(rule: ruleIndex, group: position, at: time, into: &changes)
            return
        default:
            break
        }
        fleetGroups[ruleIndex][position] = group
    }

    private func fleetDeadline(
        rule ruleIndex: Int,
        group position: Int,
        _ entry: Deadlines.Entry,
        into changes: inout [AlertChange]
    ) {
        guard ruleIndex < fleetGroups.count, position < fleetGroups[ruleIndex].count,
            deadlines.settle(entry, &fleetGroups[ruleIndex][position].timer)
        else { return }
        let time = entry.deadline
        var group = fleetGroups[ruleIndex][position]
        guard group.phase == .pending else { return }
        let rule = configuration.fleetRules[ruleIndex]
        guard rule.holds(offline: group.offline, total: group.members.count) else {
            group.phase = .idle
            fleetGroups[ruleIndex][position] = group
            return
        }
        var labels = rule.labels
        labels["alertname"] = rule.name
        labels["severity"] = rule.severity
        if let label = rule.groupBy { labels[label.rawValue] = group.key }
        let alert = Alert(
            labels: labels,
            annotations: fleetAnnotations(rule: ruleIndex, group: group, labels: labels, at: time),
            rule: rule.name,
            state: .firing,
            activeSince: group.since,
            startsAt: time,
            receivers: rule.receivers
        )
        group.phase = .firing
        group.alert = alert
        group.notified = true
        firingCount += 1
        fleetGroups[ruleIndex][position] = group
        changes.append(AlertChange(alert: alert))
    }

    /// A fleet alert's annotations for the group's counts now (`offline_clients`, `total_clients`,
    /// `offline_percent`): made when it fires, again for every notification, and when it resolves.
    private func fleetAnnotations(rule ruleIndex: Int, group: FleetGroup, labels: LabelSet, at time: Int64) -> LabelSet
    {
        let rule = configuration.fleetRules[ruleIndex]
        let total = group.members.count
        let percent = total > 0 ? group.offline * 100 / total : 0
        let anyMember = Int(group.members.first ?? 0)
        guard anyMember < clientStates.count else { return group.alert?.annotations ?? LabelSet() }
        let variables = AlertVariables(
            client: clientStates[anyMember],
            rule: rule.name,
            severity: rule.severity,
            since: group.since,
            now: time,
            extra: [
                "group": group.key, "offline_clients": String(group.offline), "total_clients": String(total),
                "offline_percent": String(percent),
            ]
        )
        var annotations = LabelSet()
        for annotation in rule.annotations {
            annotations[annotation.name] = annotation.template.render { variables.value(of: $0, labels: labels) }
        }
        return annotations
    }

    /// `alert` as it reads at `now`: a firing fleet alert's annotations carry the group's counts
    /// now, not those of when it fired, so every notification about it tells the fleet as it is.
    /// Any other alert is returned as it is.
    public func current(_ alert: Alert, at now: Int64) -> Alert {
        guard alert.state == .firing, !configuration.fleetRules.isEmpty,
            let ruleIndex = configuration.fleetRules.firstIndex(where: { $0.name == alert.rule })
        else { return alert }
        for group in fleetGroups[ruleIndex] where group.phase == .firing {
            guard let firing = group.alert, firing.fingerprint == alert.fingerprint else { continue }
            var updated = alert
            updated.annotations = fleetAnnotations(rule: ruleIndex, group: group, labels: alert.labels, at: now)
            return updated
        }
        return alert
    }

    /// Resolves a fleet alert. The per-client alerts it held back go back to pending for a
    /// hold-down (the rule's `for`, at least a minute): clients that return with the rest of the
    /// fleet stay quiet; those still offline after it are told one by one.
    private func resolveFleet(
        rule ruleIndex: Int,
        group position: Int,
        at time: Int64,
        into changes: inout [AlertChange]
    ) {
        var group = fleetGroups[ruleIndex][position]
        if var alert = group.alert, group.notified {
            alert.state = .resolved
            alert.endsAt = max(time, alert.startsAt)
            alert.annotations = fleetAnnotations(rule: ruleIndex, group: group, labels: alert.labels, at: time)
            changes.append(AlertChange(alert: alert))
        }
        group.phase = .idle
        group.alert = nil
        group.notified = false
        deadlines.disarm(&group.timer)
        firingCount -= 1
        fleetGroups[ruleIndex][position] = group
        guard configuration.fleetRules[ruleIndex].inhibit else { return }
        let holdDown = max(configuration.fleetRules[ruleIndex].forDuration, 60_000)
        for member in group.members { releaseHeldBack(Int(member), at: time, holdDown: holdDown) }
    }

    /// The offline alerts of a client that an inhibiting alert held back go back to pending for
    /// `holdDown`; if the client is still offline then, it is told.
    private func releaseHeldBack(_ client: Int, at time: Int64, holdDown: Int64) {
        guard !isInhibited(client) else { return }
        for slotPosition in slots.indices(of: client)
        where slots[client, slotPosition].phase == .firing && !slots[client, slotPosition].notified {
            var slot = slots[client, slotPosition]
            slot.phase = .pending
            slot.alert = nil
            firingCount -= 1
            schedule(&slot, client: client, slot: slotPosition, deadline: time + holdDown)
            slots[client, slotPosition] = slot
        }
    }

    /// Whether a firing fleet alert of one of the client's groups, or its own flapping alert,
    /// speaks for it.
    private func isInhibited(_ position: Int, byFlapping: Bool = true) -> Bool {
        guard position < clientStates.count else { return false }
        let fleetRules = configuration.fleetRules.count
        for ruleIndex in 0..<fleetRules where configuration.fleetRules[ruleIndex].inhibit {
            let group = clientFleet[position * fleetRules + ruleIndex]
            if group >= 0 && fleetGroups[ruleIndex][Int(group)].phase == .firing { return true }
        }
        guard byFlapping else { return false }
        for ruleIndex in configuration.countingRules.indices
        where configuration.countingRules[ruleIndex].kind == .flapping {
            if let slot = existingCounterSlot(rule: ruleIndex, client: position),
                counterSlots[ruleIndex][Int(slot)].phase == .firing
            {
                return true
            }
        }
        return false
    }

    /// The labels of an offline rule's alert for a client: the rule's, its name and severity,
    /// and the client's.
    private func offlineLabels(_ rule: OfflineRule, client: ClientState) -> LabelSet {
        var labels = rule.labels
        labels["alertname"] = rule.name
        labels["severity"] = rule.severity
        for label in ClientLabel.allCases {
            let value = label.value(of: client)
            if !value.isEmpty { labels[label.rawValue] = value }
        }
        return labels
    }

    private func firingAlert(client position: Int, slot: Slot, at time: Int64) -> Alert {
        let rule = configuration.offlineRules[Int(slot.rule)]
        let client = clientStates[position]
        let labels = offlineLabels(rule, client: client)
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

    // MARK: Persistence

    /// The first event of a restored client in this run: the clocks its silence started (rules
    /// with `unseen_is_offline`) stop; the event then counts as usual.
    private func clientSeen(_ position: Int) {
        unseen[position] = false
        for slotPosition in slots.indices(of: position) where slots[position, slotPosition].phase == .pending {
            let rule = configuration.offlineRules[Int(slots[position, slotPosition].rule)]
            guard rule.condition == .disconnected, rule.unseenIsOffline else { continue }
            slots[position, slotPosition].phase = .idle
            deadlines.disarm(&slots[position, slotPosition].timer)
        }
    }

    private func markUnsaved(client position: Int) {
        guard !unsavedClient[position] else { return }
        unsavedClient[position] = true
        unsavedClients.append(Int32(position))
    }

    private func markUnsaved(counterRule ruleIndex: Int, slot position: Int) {
        guard !countersReplaced, !counterSlots[ruleIndex][position].unsaved else { return }
        counterSlots[ruleIndex][position].unsaved = true
        unsavedCounters.append((Int32(ruleIndex), Int32(position)))
    }

    /// Whether anything changed since the last `takeUnsaved(now:)`.
    public var hasUnsavedChanges: Bool {
        !unsavedClients.isEmpty || !unsavedCounters.isEmpty || !freedCounters.isEmpty || countersReplaced
    }

    /// What changed since the last call, for the store: the clients an event touched and the
    /// counting rules' windows. Marks everything saved.
    public func takeUnsaved(now: Int64) -> EngineChanges {
        var result = EngineChanges()
        result.clients.reserveCapacity(unsavedClients.count)
        for position in unsavedClients {
            unsavedClient[Int(position)] = false
            result.clients.append(clientStates[Int(position)])
        }
        unsavedClients.removeAll(keepingCapacity: true)
        if countersReplaced {
            result.replaceCounters = true
            for ruleIndex in counterSlots.indices {
                for position in counterSlots[ruleIndex].indices where !counterSlots[ruleIndex][position].isFree {
                    let record = counterRecord(rule: ruleIndex, slot: position, now: now)
                    counterSlots[ruleIndex][position].saved = record.isLive
                    if record.isLive { result.counters.append(record) }
                }
            }
            countersReplaced = false
        } else {
            // Deletions of freed groups first: a group freed and counted again is saved after.
            result.counters = freedCounters
            for entry in unsavedCounters {
                let ruleIndex = Int(entry.rule)
                let position = Int(entry.slot)
                counterSlots[ruleIndex][position].unsaved = false
                guard !counterSlots[ruleIndex][position].isFree else { continue }
                let record = counterRecord(rule: ruleIndex, slot: position, now: now)
                counterSlots[ruleIndex][position].saved = record.isLive
                result.counters.append(record)
            }
        }
        freedCounters.removeAll()
        unsavedCounters.removeAll(keepingCapacity: true)
        return result
    }

    private func counterRecord(rule ruleIndex: Int, slot position: Int, now: Int64) -> CounterRecord {
        let rule = configuration.countingRules[ruleIndex]
        let slot = counterSlots[ruleIndex][position]
        let lastClient = Int(slot.lastClient) < clientStates.count ? clientStates[Int(slot.lastClient)].clientID : ""
        return CounterRecord(
            rule: rule.name,
            key: slot.key,
            times: Array(slot.times),
            lastClient: lastClient,
            alert: slot.phase == .firing ? slot.alert : nil,
            notified: slot.notified,
            isLive: slot.phase != .idle || (slot.times.last ?? .min) > now - rule.window
        )
    }

    /// Brings back what a previous run saved, before any event of this run: the clients (their
    /// offline, inactive and fleet rules start timing from their saved times), the counting rules'
    /// windows, and the alerts that were notified as firing (`notified`, by fingerprint). An alert
    /// that still holds stays firing without a new notification; one that no longer holds (its
    /// rule is gone, or no longer matches) is appended to `changes` as resolved.
    ///
    /// Returns every alert that is firing after the restore and was notified, so the notifier can
    /// learn them again (its log then keeps it from repeating them).
    @discardableResult
    public func restore(
        clients: [ClientState],
        counters records: [CounterRecord],
        notified: [Alert],
        now: Int64,
        into changes: inout [AlertChange]
    ) -> [Alert] {
        var progress = beginRestore(notified: notified, clients: clients.count)
        var all = clients
        restore(clients: &all, now: now, into: &progress)
        return finishRestore(progress, counters: records, now: now, into: &changes)
    }

    /// A restore in steps (`beginRestore`, `restore(clients:now:into:)` once per chunk,
    /// `finishRestore`), so that clients can be restored while the store is still read.
    public struct RestoreProgress: Sendable {
        fileprivate var stored: [String: Alert]
        fileprivate var restored: [Alert] = []
        fileprivate let fresh: Bool
    }

    /// Starts a restore of about `expected` clients; `notified` as for `restore`.
    public func beginRestore(notified: [Alert], clients expected: Int) -> RestoreProgress {
        let total = clientStates.count + expected
        clientStates.reserveCapacity(total)
        slots.reserveCapacity(clients: total)
        unsavedClient.reserveCapacity(total)
        countingMatches.reserveCapacity(total)
        clientFleet.reserveCapacity(total * configuration.fleetRules.count)
        index.reserveCapacity(total)
        deadlines.deferOrder()
        return RestoreProgress(
            stored: Dictionary(notified.map { ($0.fingerprint, $0) }, uniquingKeysWith: { _, last in last }),
            fresh: index.isEmpty
        )
    }

    /// Restores `clients` (one chunk of a restore begun with `beginRestore`).
    ///
    /// Leaves `clients` empty: each client is moved into the engine, not copied.
    public func restore(clients: inout [ClientState], now: Int64, into progress: inout RestoreProgress) {
        // Taken from the back of the reversed chunk. Swapped out first, so nothing else holds the
        // chunk and neither the reversal nor the taking copies a client.
        var pending: [ClientState] = []
        swap(&pending, &clients)
        pending.reverse()
        // A fresh engine takes every saved client; otherwise clients it knows already are skipped.
        while var state = pending.popLast() {
            guard progress.fresh || index[state.clientID] == nil else { continue }
            if state.log.capacity != configuration.logCapacity {
                var log = ConnectionLog(capacity: configuration.logCapacity)
                for entry in state.log.entries { log.append(entry) }
                state.log = log
            }
            // What the slots need, read before the client is moved into the table.
            let status = state.status
            let lastDisconnect = state.lastDisconnectTime
            let lastConnect = state.lastConnectTime ?? state.log.oldestTime
            let lastActivity = state.lastActivityTime
            let position = addClient(state)
            for slotPosition in slots.indices(of: position) {
                var slot = slots[position, slotPosition]
                let ruleIndex = Int(slot.rule)
                let timing = offlineTiming[ruleIndex]
                let since: Int64?
                switch timing.condition {
                case .disconnected where status == .disconnected: since = lastDisconnect
                case .disconnected where configuration.offlineRules[ruleIndex].unseenIsOffline:
                    // Offline unless the feed mentions it before the grace ends (its retained status).
                    since = graceEnd
                    unseen[position] = true
                case .disconnected: since = nil
                case .noConnect: since = lastConnect ?? now
                case .noActivity: since = lastActivity ?? now
                }
                if let since {
                    slot.phase = .pending
                    slot.since = since
                    if !progress.stored.isEmpty,
                        let alert = progress.stored.removeValue(
                            forKey: offlineLabels(configuration.offlineRules[ruleIndex], client: clientStates[position])
                                .fingerprint
                        )
                    {
                        slot.phase = .firing
                        slot.alert = alert
                        slot.notified = true
                        firingCount += 1
                        progress.restored.append(alert)
                    } else {
                        schedule(&slot, client: position, slot: slotPosition, deadline: since + timing.forDuration)
                    }
                }
                slots[position, slotPosition] = slot
            }
        }
    }

    /// Ends a restore: counting windows, fleet groups, and the notified alerts no client took (see
    /// `restore`). Returns what `restore` returns.
    public func finishRestore(
        _ progress: RestoreProgress,
        counters records: [CounterRecord],
        now: Int64,
        into changes: inout [AlertChange]
    ) -> [Alert] {
        deadlines.restoreOrder()
        var stored = progress.stored
        var restored = progress.restored
        restoreCounters(records, stored: &stored, restored: &restored, now: now)
        restoreFleet(stored: &stored, restored: &restored, now: now, into: &changes)
        for alert in stored.values.sorted(by: { $0.startsAt < $1.startsAt }) {
            if alert.rule == "feed_down", let broker = alert.labels["broker"] {
                let position = feedIndex(broker)
                feeds[position].up = false
                feeds[position].since = alert.activeSince
                feeds[position].alert = alert
                firingCount += 1
                restored.append(alert)
                continue
            }
            var resolved = alert
            resolved.state = .resolved
            resolved.endsAt = max(now, alert.startsAt)
            changes.append(AlertChange(alert: resolved))
        }
        return restored
    }

    private func restoreCounters(
        _ records: [CounterRecord],
        stored: inout [String: Alert],
        restored: inout [Alert],
        now: Int64
    ) {
        for record in records {
            guard let ruleIndex = configuration.countingRules.firstIndex(where: { $0.name == record.rule }),
                let lastClient = index[record.lastClient]
            else { continue }
            let rule = configuration.countingRules[ruleIndex]
            let byClient = rule.grouping == .client
            if byClient, let client = index[record.key] {
                if existingCounterSlot(rule: ruleIndex, client: Int(client)) != nil { continue }
            } else if byClient || counterIndex[ruleIndex][record.key] != nil {
                continue
            }
            var slot = CounterSlot(key: record.key)
            slot.times = EventTimes(record.times.sorted().suffix(rule.count))
            slot.lastClient = lastClient
            slot.saved = true
            let position = freeCounterSlots[ruleIndex].last.map(Int.init) ?? counterSlots[ruleIndex].count
            if let alert = record.alert {
                if record.notified { stored[alert.fingerprint] = nil }
                slot.phase = .firing
                slot.alert = alert
                slot.notified = record.notified
                firingCount += 1
                if record.notified { restored.append(alert) }
                scheduleCounter(&slot, rule: ruleIndex, slot: position, at: max(now, Self.resolveDeadline(slot, rule)))
            } else if Self.threshold(slot, rule, at: now) {
                slot.phase = .pending
                scheduleCounter(&slot, rule: ruleIndex, slot: position, at: max(now, graceEnd))
            } else if (slot.times.last ?? .min) <= now - rule.window {
                continue
            }
            let added = addCounterSlot(slot, rule: ruleIndex)
            if slot.phase == .idle { windowIdle(slot, rule: ruleIndex) }
            assert(added == position, "a restored counter slot goes where its deadline points")
            if byClient, let client = index[record.key] {
                setCounterSlot(Int32(position), rule: ruleIndex, client: Int(client))
            } else {
                counterIndex[ruleIndex][record.key] = Int32(position)
            }
        }
    }

    /// Fleet groups were rebuilt from the restored clients: one that holds and was notified keeps
    /// firing; one that holds and was not starts pending from now; one notified that no longer
    /// holds resolves.
    private func restoreFleet(
        stored: inout [String: Alert],
        restored: inout [Alert],
        now: Int64,
        into changes: inout [AlertChange]
    ) {
        for (ruleIndex, rule) in configuration.fleetRules.enumerated() {
            for position in fleetGroups[ruleIndex].indices {
                var group = fleetGroups[ruleIndex][position]
                var labels = rule.labels
                labels["alertname"] = rule.name
                labels["severity"] = rule.severity
                if let label = rule.groupBy { labels[label.rawValue] = group.key }
                let saved = stored.removeValue(forKey: labels.fingerprint)
                if rule.holds(offline: group.offline, total: group.members.count), let saved {
                    group.phase = .firing
                    group.alert = saved
                    group.since = saved.activeSince
                    group.notified = true
                    firingCount += 1
                    restored.append(saved)
                    fleetGroups[ruleIndex][position] = group
                } else {
                    if let saved { stored[saved.fingerprint] = saved }
                    evaluateFleet(rule: ruleIndex, group: position, at: now, into: &changes)
                }
            }
        }
    }
}

/// A change in an alert's state that people may need to hear about.
public struct AlertChange: Sendable, Equatable {
    public var alert: Alert
    public init(alert: Alert) { self.alert = alert }
}

/// What the engine changed since the store last saved it.
public struct EngineChanges: Sendable {
    /// Clients an event touched (their state and log as they are now).
    public var clients: [ClientState] = []
    /// Counting-rule windows that changed; records that are no longer live are to be deleted.
    public var counters: [CounterRecord] = []
    /// A reload renumbered the counting rules: `counters` holds all of them, replacing what is saved.
    public var replaceCounters = false

    public init() {}
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

    public init(
        rule: String,
        key: String,
        times: [Int64],
        lastClient: String,
        alert: Alert?,
        notified: Bool,
        isLive: Bool = true
    ) {
        self.rule = rule
        self.key = key
        self.times = times
        self.lastClient = lastClient
        self.alert = alert
        self.notified = notified
        self.isLive = isLive
    }
}

/// Shares the storage of long texts (reasons, IPv6 addresses) among clients and log entries:
/// the decoder makes a new `String` per event (and the store reader one per row), the engine
/// keeps one copy per distinct text. Texts of up to 15 bytes are stored inline by `String` and
/// pass through. Bounded: once `limit` texts are known, new ones are kept as they come (correct,
/// just not shared); so is a text whose hash another text took first.
public struct TextCache: Sendable {
    /// By the hash of their UTF-8 bytes, so that bytes not yet made into a string can be looked up.
    private var known: [Int: String] = [:]
    let limit: Int

    public init(limit: Int = 4096) {
        self.limit = limit
    }

    /// `text`, or an equal string whose storage is already kept: `current` if equal, else the
    /// shared copy.
    @inline(__always)
    mutating func shared(_ text: String?, current: String?) -> String? {
        guard var text, text.utf8.count > 15 else { return text }
        if let current, current == text { return current }
        let (key, existing) = text.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
        if let existing { return existing }
        if known.count < limit { known[key] = text }
        return text
    }

    /// The text whose UTF-8 bytes are `bytes`, made into a `String` only if it is not known.
    public mutating func text(utf8 bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.count > 15 else { return String(decoding: bytes, as: UTF8.self) }
        let (key, existing) = lookup(bytes)
        if let existing { return existing }
        let text = String(decoding: bytes, as: UTF8.self)
        if known.count < limit { known[key] = text }
        return text
    }

    /// The key of `bytes`, and the known text with those bytes.
    private func lookup(_ bytes: UnsafeRawBufferPointer) -> (key: Int, text: String?) {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        let key = hasher.finalize()
        guard var existing = known[key] else { return (key, nil) }
        let same = existing.withUTF8 { stored in
            stored.count == bytes.count && UnsafeRawBufferPointer(stored).elementsEqual(bytes)
        }
        return (key, same ? existing : nil)
    }

    /// How many distinct texts are shared.
    var count: Int { known.count }
}

/// Hands out one ``SharedClientLabels`` per distinct label set. Bounded like ``TextCache``.
public struct SharedLabelsCache: Sendable {
    private var known: [SharedClientLabels.Key: SharedClientLabels] = [:]
    let limit: Int

    public init(limit: Int = 4096) {
        self.limit = limit
    }

    /// Instances met before (shared by another cache, such as a store reader's) and the one this
    /// cache hands out for each; held strongly, so an address is never reused while it is a key.
    private var met: [ObjectIdentifier: (met: SharedClientLabels, shared: SharedClientLabels)] = [:]

    /// The shared instance equal to `labels` (`labels` itself the first time).
    mutating func shared(_ labels: SharedClientLabels) -> SharedClientLabels {
        if let alias = met[ObjectIdentifier(labels)] { return alias.shared }
        let key = labels.key
        let shared = known[key] ?? labels
        if known.count < limit { known[key] = shared }
        if met.count < limit { met[ObjectIdentifier(labels)] = (labels, shared) }
        return shared
    }

    /// The shared instance with these labels; made only the first time they are seen.
    mutating func shared(_ key: SharedClientLabels.Key) -> SharedClientLabels {
        if let existing = known[key] { return existing }
        let labels = SharedClientLabels(orgID: key.orgID, typeID: key.typeID, appID: key.appID, broker: key.broker)
        if known.count < limit { known[key] = labels }
        return labels
    }

    var count: Int { known.count }
}
