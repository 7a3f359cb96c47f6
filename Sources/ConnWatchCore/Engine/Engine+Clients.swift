/// The client table and the offline/inactive slots: adding clients, connects, disconnects,
/// activity, and the deadlines of the slots.
extension Engine {
    // MARK: Internals

    /// The position of the client `clientID` in the table, unless unknown or forgotten.
    @inline(__always)
    func tablePosition(of clientID: String) -> Int32? {
        index.position(of: clientID, in: table)
    }

    /// Adds a client first heard of in `event`; returns its position.
    func addClient(_ event: StatusEvent, broker: String) -> Int {
        addClient(ClientState(event: event, broker: broker))
    }

    /// Adds a client (new, or restored with its state) with idle slots for the rules it matches.
    func addClient(_ client: consuming ClientState) -> Int {
        // Everything is worked out on the local value, which is then moved into the table.
        var state = client
        state.sharedLabels = labels.shared(state.sharedLabels)
        let position = table.count
        unsavedClient.append(false)
        unseen.append(false)
        index.insert(state.clientID, at: Int32(position))
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
        fleetTally.add(state)
        for ruleIndex in clientCounter.indices where !clientCounter[ruleIndex].isEmpty {
            clientCounter[ruleIndex].append(-1)
        }
        table.append(state)
        return position
    }

    /// The counting rules matching `client`, as bits; all bits when there are more than 64 rules
    /// (then `count` checks the matcher itself).
    func countingMask(_ client: ClientState) -> UInt64 {
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
    func countingRuleMatches(_ ruleIndex: Int, client position: Int) -> Bool {
        let rules = configuration.countingRules
        if rules.count > 64 { return rules[ruleIndex].match.matches(table[position]) }
        return countingMatches[position] & (1 << UInt64(ruleIndex)) != 0
    }

    /// The counter slot of a rule grouped by client for the client at `position`, if it has one;
    /// for rules grouped otherwise, the slot whose key is the client id (as a group key).
    func existingCounterSlot(rule ruleIndex: Int, client position: Int) -> Int32? {
        guard configuration.countingRules[ruleIndex].grouping == .client else {
            return counterIndex[ruleIndex][table.id(at: position)]
        }
        guard position < clientCounter[ruleIndex].count else { return nil }
        let slot = clientCounter[ruleIndex][position]
        return slot >= 0 ? slot : nil
    }

    func setCounterSlot(_ slot: Int32, rule ruleIndex: Int, client position: Int) {
        if clientCounter[ruleIndex].count < table.count {
            clientCounter[ruleIndex].append(
                contentsOf: repeatElement(-1, count: table.count - clientCounter[ruleIndex].count)
            )
        }
        clientCounter[ruleIndex][position] = slot
    }

    /// An event older than the client's latest connect or disconnect is out of order. When the
    /// feed numbers its events (and the two are less than an hour apart: AWS restarts the count
    /// after an hour offline), the number decides, a disconnect ranking after the connect with
    /// the same number; an equal rank is a duplicate.
    static func isNewest(_ event: StatusEvent, at time: Int64, state: ClientFields) -> Bool {
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
    static func isFromOlderSession(_ event: StatusEvent, state: ClientFields) -> Bool {
        guard let began = event.connectTime, let lastConnect = state.lastConnectTime else { return false }
        return began + 1000 < lastConnect
    }

    func clientConnected(_ position: Int, at time: Int64, into changes: inout [AlertChange]) {
        for slotPosition in slots.indices(of: position)
        where offlineTiming[Int(slots[position, slotPosition].rule)].condition != .noActivity {
            endSlot(position, slotPosition, at: time, into: &changes)
        }
        restartInactive(position, basis: .noConnect, at: time)
    }

    /// A pending slot goes idle; a firing one resolves, or with `keep_firing_for` keeps firing
    /// that long first.
    func endSlot(_ position: Int, _ slotPosition: Int, at time: Int64, into changes: inout [AlertChange]) {
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
    func resolveSlot(_ position: Int, _ slotPosition: Int, at time: Int64, into changes: inout [AlertChange]) {
        var slot = slots[position, slotPosition]
        endFiring(slots.alert(client: position, slot: slotPosition), notified: slot.notified, at: time, into: &changes)
        slot.phase = .idle
        slot.notified = false
        deadlines.disarm(&slot.timer)
        slots[position, slotPosition] = slot
        slots.setAlert(nil, client: position, slot: slotPosition)
    }

    /// Starts the clock of the client's `inactive` slots of `basis` from `time`.
    func restartInactive(_ position: Int, basis: OfflineRule.Condition, at time: Int64) {
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

    /// Any event of the client: `inactive` rules on activity end and start again. An event older
    /// than the client's latest activity (a late failed connect) changes nothing: the silence it
    /// would end began after it.
    func clientActive(_ position: Int, at time: Int64, into changes: inout [AlertChange]) {
        guard offlineTiming.contains(where: { $0.condition == .noActivity }),
            time >= table.fields[position].lastActivityTime ?? .min
        else { return }
        for slotPosition in slots.indices(of: position)
        where offlineTiming[Int(slots[position, slotPosition].rule)].condition == .noActivity {
            // Activity no later than the silence's start (the event that began it, delivered
            // again late) does not end it: ending it would resolve the alert and fire it again.
            let slot = slots[position, slotPosition]
            if slot.phase != .idle && time <= slot.since { continue }
            endSlot(position, slotPosition, at: time, into: &changes)
        }
        restartInactive(position, basis: .noActivity, at: time)
    }

    func offlineKey(_ position: Int, _ slotPosition: Int) -> DeadlineKey {
        DeadlineKey(kind: .offline, first: Int32(position), second: Int32(slotPosition))
    }

    /// Starts the offline rules' clocks from the disconnect `time`; an event that arrives late
    /// (its deadline already past at `now`) fires at `now`, not in the past.
    func clientDisconnected(_ position: Int, at time: Int64, now: Int64) {
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

    /// Arms `slot` for `deadline`, never before a `startup_grace` ends. Without a grace, a
    /// deadline that passed before the start keeps its time (the alert it fires starts then),
    /// as it would in a run that never stopped.
    func schedule(_ slot: inout Slot, client position: Int, slot slotPosition: Int, deadline: Int64) {
        let at = configuration.startupGrace > 0 ? max(deadline, graceEnd) : deadline
        deadlines.arm(&slot.timer, at: at, key: offlineKey(position, slotPosition))
    }

    /// Rebuilds the deadline queue without its orphans once they outnumber the slots' own entries.
    func compactDeadlinesIfNeeded() {
        guard deadlines.needsCompaction else { return }
        deadlines.compact { entry in self.isOwnDeadline(entry) }
    }

    /// Whether `entry` is the queued entry of the slot it names.
    func isOwnDeadline(_ entry: Deadlines.Entry) -> Bool {
        let first = Int(entry.key.first)
        let second = Int(entry.key.second)
        switch entry.key.kind {
        case .offline:
            guard first < table.count, second < slots.indices(of: first).count else { return false }
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
        case .forget:
            return Deadlines.isOwn(entry, of: forgetSweep)
        }
    }

    /// The labels of an offline rule's alert for a client: the rule's, its name and severity,
    /// and the client's.
    func offlineLabels(_ rule: OfflineRule, client: ClientState) -> LabelSet {
        AlertMaker.labels(rule.labels, rule: rule.name, severity: rule.severity, client: client)
    }

    func firingAlert(client position: Int, slot: Slot, at time: Int64) -> Alert {
        let rule = configuration.offlineRules[Int(slot.rule)]
        let client = table[position]
        let labels = offlineLabels(rule, client: client)
        let variables = AlertVariables(
            client: client,
            rule: rule.name,
            severity: rule.severity,
            since: slot.since,
            now: time
        )
        return AlertMaker.firing(
            labels: labels,
            annotations: AlertMaker.annotations(rule.annotations, variables, labels: labels),
            rule: rule.name,
            activeSince: slot.since,
            at: time,
            receivers: rule.receivers
        )
    }
}
