/// Counting rules (`disconnects`, `failed_connects`, `flapping`): windows per group, their
/// deadlines and sweeps, and what a reload keeps of them.
extension Engine {
    /// Counting rules that keep their name keep their counts and alerts; the rest resolve.
    func reconfigureCounters(oldRules: [CountingRule], now: Int64, into changes: inout [AlertChange]) {
        countingMatches = table.indices.map { countingMask(table[$0]) }
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
        let oldKeys = counterKeys
        let oldClientCounter = clientCounter
        let oldFree = freeCounterSlots
        counterSlots = []
        counterIndex = []
        counterKeys = []
        clientCounter = []
        freeCounterSlots = []
        var kept = Set<Int>()
        for rule in configuration.countingRules {
            if let old = oldRules.firstIndex(where: { $0.name == rule.name && $0.grouping == rule.grouping }) {
                kept.insert(old)
                counterSlots.append(oldCounters[old])
                counterIndex.append(oldIndex[old])
                counterKeys.append(oldKeys[old])
                clientCounter.append(oldClientCounter[old])
                freeCounterSlots.append(oldFree[old])
            } else {
                counterSlots.append([])
                counterIndex.append([:])
                counterKeys.append([])
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
                endFiring(slot.alert, notified: slot.notified, at: now, into: &changes)
            }
        }
    }

    // MARK: Counting rules

    /// Counts `event` for every counting rule it matches, by when it happened (`time`); one that
    /// arrives (`now`) later than `max_lateness` after that is not counted, and noted.
    func count(
        _ event: StatusEvent,
        client position: Int,
        at time: Int64,
        now: Int64,
        transition: Bool,
        into changes: inout [AlertChange]
    ) {
        // Rules are read in place: copying one would retain and release each of its texts and lists.
        let rules = configuration.countingRules
        let lateness = now - time
        var tooLateFor: [String] = []
        defer { if !tooLateFor.isEmpty { noteTooLate(event, arrivedAt: now, rules: tooLateFor) } }
        for ruleIndex in rules.indices where countingRuleMatches(ruleIndex, client: position) {
            guard rules[ruleIndex].counts(event) else { continue }
            if rules[ruleIndex].kind == .flapping && !transition { continue }
            if lateness > configuration.maxLateness {
                tooLateFor.append(rules[ruleIndex].name)
                continue
            }
            let slotPosition: Int
            if rules[ruleIndex].grouping == .client,
                let existing = existingCounterSlot(rule: ruleIndex, client: position)
            {
                slotPosition = Int(existing)
            } else {
                let key: String
                switch rules[ruleIndex].grouping {
                case .client: key = ""  // the client's id, read from the table (`counterKey`)
                case .address:
                    guard let address = event.clientAddress, !address.isEmpty else { continue }
                    key = address
                case .label(let label): key = label.value(of: table[position])
                }
                if rules[ruleIndex].grouping == .client {
                    // Found by the client's position, not by a key lookup.
                    slotPosition = addCounterSlot(CounterSlot(), rule: ruleIndex, key: key)
                    setCounterSlot(Int32(slotPosition), rule: ruleIndex, client: position)
                } else if let existing = counterIndex[ruleIndex][key] {
                    slotPosition = Int(existing)
                } else {
                    slotPosition = addCounterSlot(CounterSlot(), rule: ruleIndex, key: key)
                    counterIndex[ruleIndex][key] = Int32(slotPosition)
                }
            }
            // Taken out by a swap: no reference counting, and `slot.times` is not copied on write.
            // Meanwhile the table holds an empty slot; nothing below reads this rule's slots
            // (firing checks inhibition by flapping only for the other rules).
            var slot = CounterSlot()
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
                // Within a `startup_grace` the verdict waits for its end; without one an event from
                // before the start (queued while the daemon was away) counts as it comes.
                if configuration.startupGrace > 0 && time < graceEnd {
                    slot.phase = .pending
                    slot.activeBox().delay = max(0, lateness)
                    scheduleCounter(&slot, rule: ruleIndex, slot: slotPosition, at: graceEnd)
                } else {
                    fireCounter(&slot, rule: ruleIndex, slot: slotPosition, at: time, into: &changes)
                    slot.activeBox().delay = max(0, lateness)
                    scheduleCounter(
                        &slot,
                        rule: ruleIndex,
                        slot: slotPosition,
                        at: Self.resolveDeadline(slot, rules[ruleIndex]) + max(0, lateness)
                    )
                }
            case .firing:
                scheduleCounter(
                    &slot,
                    rule: ruleIndex,
                    slot: slotPosition,
                    at: Self.resolveDeadline(slot, rules[ruleIndex]) + (slot.box?.delay ?? 0)
                )
            default:
                break
            }
            swap(&slot, &counterSlots[ruleIndex][slotPosition])
            markUnsaved(counterRule: ruleIndex, slot: slotPosition)
        }
    }

    /// The group key of a counter slot. A slot of a rule grouped by client keeps none of its own:
    /// its key is its client's id, in the table's arena.
    func counterKey(rule ruleIndex: Int, slot position: Int) -> String {
        guard configuration.countingRules[ruleIndex].grouping == .client else {
            return position < counterKeys[ruleIndex].count ? counterKeys[ruleIndex][position] : ""
        }
        let client = Int(counterSlots[ruleIndex][position].lastClient)
        return client >= 0 && client < table.count ? table.id(at: client) : ""
    }

    /// The client a counter slot's group names: for a rule grouped by client, its client; for
    /// other groupings, a client whose id is the group key, if there is one.
    func clientOfCounter(_ slot: CounterSlot, rule ruleIndex: Int, slot position: Int) -> Int32? {
        guard configuration.countingRules[ruleIndex].grouping == .client else {
            return tablePosition(of: counterKey(rule: ruleIndex, slot: position))
        }
        guard slot.lastClient >= 0, !isForgotten(Int(slot.lastClient)) else { return nil }
        return slot.lastClient
    }

    /// Whether the last `count` events of `slot` all lie within the window ending at `time`.
    static func threshold(_ slot: CounterSlot, _ rule: CountingRule, at time: Int64) -> Bool {
        slot.times.count >= rule.count && slot.times[slot.times.count - rule.count] + rule.window > time
    }

    /// Whether a firing counter still holds at `time`: at least `resolveBelow` events in the window.
    static func stillHolds(_ slot: CounterSlot, _ rule: CountingRule, at time: Int64) -> Bool {
        slot.times.count >= rule.resolveBelow && slot.times[slot.times.count - rule.resolveBelow] + rule.window > time
    }

    /// When a firing counter stops holding unless more events come.
    static func resolveDeadline(_ slot: CounterSlot, _ rule: CountingRule) -> Int64 {
        slot.times[max(slot.times.count - rule.resolveBelow, 0)] + rule.window
    }

    func scheduleCounter(_ slot: inout CounterSlot, rule: Int, slot position: Int, at deadline: Int64) {
        let box = slot.activeBox()
        deadlines.arm(
            &box.timer,
            at: deadline,
            key: DeadlineKey(kind: .counter, first: Int32(rule), second: Int32(position))
        )
    }

    /// A pending or firing window goes idle: its deadline (settled by the caller, or about to be
    /// forgotten) and alert are dropped, and its rule's sweep frees it once its window empties.
    func goIdle(_ slot: inout CounterSlot, rule ruleIndex: Int) {
        if let timer = slot.timer { deadlines.forget(dropped: timer) }
        slot.phase = .idle
        slot.notified = false
        slot.dropBox()
        windowIdle(slot, rule: ruleIndex)
    }

    /// An idle window with times: the rule's sweep is due no later than when they all leave the
    /// window and no event that still counts can arrive for it (`max_lateness` later), or, for
    /// rules with many windows, up to a quarter window later (a sweep reads every window of its
    /// rule, so that many are swept at most four times a window).
    func windowIdle(_ slot: CounterSlot, rule ruleIndex: Int) {
        guard let last = slot.times.last else { return }
        let expiry = last + configuration.countingRules[ruleIndex].window + configuration.maxLateness
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
    func sweepSpacing(rule ruleIndex: Int, after time: Int64) -> Int64 {
        guard counterSlots[ruleIndex].count > 64, time != .min else { return .min }
        return time + configuration.countingRules[ruleIndex].window / 4
    }

    /// The rule's sweep: frees every idle window whose newest time has left it, and is armed again
    /// while idle windows remain.
    func sweepCounters(rule ruleIndex: Int, _ entry: Deadlines.Entry) {
        guard ruleIndex < counterSweeps.count, deadlines.settle(entry, &counterSweeps[ruleIndex]) else { return }
        let now = entry.deadline
        lastCounterSweep[ruleIndex] = now
        // A window is kept while an event that still counts could arrive for it.
        let window = configuration.countingRules[ruleIndex].window + configuration.maxLateness
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
    /// `key` is the group's key; a rule grouped by client keeps none (its key is the client's id).
    func addCounterSlot(_ slot: CounterSlot, rule ruleIndex: Int, key: String) -> Int {
        let keyed = configuration.countingRules[ruleIndex].grouping != .client
        guard let position = freeCounterSlots[ruleIndex].popLast().map(Int.init) else {
            counterSlots[ruleIndex].append(slot)
            if keyed { counterKeys[ruleIndex].append(key) }
            return counterSlots[ruleIndex].count - 1
        }
        if keyed { counterKeys[ruleIndex][position] = key }
        var reused = slot
        // Still listed in `unsavedCounters` if it was before it was freed: listed once.
        reused.unsaved = counterSlots[ruleIndex][position].unsaved
        counterSlots[ruleIndex][position] = reused
        return position
    }

    /// Frees an idle slot whose window is empty: its group is forgotten, the store deletes its
    /// record, and its position goes to the rule's free list.
    func freeCounterSlot(rule ruleIndex: Int, slot position: Int) {
        let slot = counterSlots[ruleIndex][position]
        let rule = configuration.countingRules[ruleIndex]
        let key = counterKey(rule: ruleIndex, slot: position)
        if rule.grouping != .client {
            if counterIndex[ruleIndex][key] == Int32(position) { counterIndex[ruleIndex][key] = nil }
            counterKeys[ruleIndex][position] = ""
        } else if rule.grouping == .client, slot.lastClient >= 0,
            existingCounterSlot(rule: ruleIndex, client: Int(slot.lastClient)) == Int32(position)
        {
            clientCounter[ruleIndex][Int(slot.lastClient)] = -1
        }
        if slot.saved && !countersReplaced {
            freedCounters.append(
                CounterRecord(
                    rule: rule.name,
                    key: key,
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

    func counterDeadline(
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
            if Self.threshold(slot, rule, at: time - box.delay) {
                fireCounter(&slot, rule: ruleIndex, slot: position, at: time, into: &changes)
                scheduleCounter(
                    &slot,
                    rule: ruleIndex,
                    slot: position,
                    at: Self.resolveDeadline(slot, rule) + box.delay
                )
            } else {
                goIdle(&slot, rule: ruleIndex)
            }
        case .firing:
            if Self.stillHolds(slot, rule, at: time - box.delay) {
                scheduleCounter(
                    &slot,
                    rule: ruleIndex,
                    slot: position,
                    at: Self.resolveDeadline(slot, rule) + box.delay
                )
            } else {
                endFiring(slot.alert, notified: slot.notified, at: time, into: &changes)
                goIdle(&slot, rule: ruleIndex)
                counterSlots[ruleIndex][position] = slot
                markUnsaved(counterRule: ruleIndex, slot: position)
                if rule.kind == .flapping, let client = clientOfCounter(slot, rule: ruleIndex, slot: position) {
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

    func fireCounter(
        _ slot: inout CounterSlot,
        rule ruleIndex: Int,
        slot position: Int,
        at time: Int64,
        into changes: inout [AlertChange]
    ) {
        let rule = configuration.countingRules[ruleIndex]
        let client = table[Int(slot.lastClient)]
        let key = rule.grouping == .client ? client.clientID : counterKey(rule: ruleIndex, slot: position)
        let labels: LabelSet
        switch rule.grouping {
        case .client:
            labels = AlertMaker.labels(rule.labels, rule: rule.name, severity: rule.severity, client: client)
        case .address:
            labels = AlertMaker.labels(
                rule.labels,
                rule: rule.name,
                severity: rule.severity,
                group: ("client_address", key)
            )
        case .label(let label):
            labels = AlertMaker.labels(
                rule.labels,
                rule: rule.name,
                severity: rule.severity,
                group: (label.rawValue, key)
            )
        }
        let variables = AlertVariables(
            client: client,
            rule: rule.name,
            severity: rule.severity,
            since: slot.times.first ?? time,
            now: time,
            extra: [
                "group": key, "count": String(slot.times.count),
                "window": DurationText.format(milliseconds: rule.window),
            ]
        )
        let alert = AlertMaker.firing(
            labels: labels,
            annotations: AlertMaker.annotations(rule.annotations, variables, labels: labels),
            rule: rule.name,
            activeSince: slot.times.first ?? time,
            at: time,
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
}
