/// What the store saves of the engine, and bringing it back on start.
extension Engine {
    // MARK: Persistence

    /// The first event of a restored client in this run: the clocks its silence started (rules
    /// with `unseen_is_offline`) stop; the event then counts as usual.
    func clientSeen(_ position: Int) {
        unseen[position] = false
        for slotPosition in slots.indices(of: position) where slots[position, slotPosition].phase == .pending {
            let rule = configuration.offlineRules[Int(slots[position, slotPosition].rule)]
            guard rule.condition == .disconnected, rule.unseenIsOffline else { continue }
            slots[position, slotPosition].phase = .idle
            deadlines.disarm(&slots[position, slotPosition].timer)
        }
    }

    func markUnsaved(client position: Int) {
        guard !unsavedClient[position] else { return }
        unsavedClient[position] = true
        unsavedClients.append(Int32(position))
    }

    /// Keeps a log entry of the client `clientID` for the store (the event's id string: the
    /// table's arena would make a new one). Past `unsavedLogLimit` (no store has taken them for
    /// that long) the oldest half is dropped and counted.
    func recordUnsaved(_ entry: ConnectionLogEntry, of clientID: String) {
        if unsavedLog.count >= Self.unsavedLogLimit {
            let dropped = unsavedLog.count / 2
            unsavedLog.removeFirst(dropped)
            counters.logEntriesDropped += dropped
        }
        unsavedLog.append(ClientLogEntry(clientID: clientID, entry: entry))
    }

    /// The most log entries kept for the store between two `takeUnsaved` calls: the daemon takes
    /// them every group commit (~50 ms), tens of thousands at most.
    static let unsavedLogLimit = 1 << 18

    func markUnsaved(counterRule ruleIndex: Int, slot position: Int) {
        guard !countersReplaced, !counterSlots[ruleIndex][position].unsaved else { return }
        counterSlots[ruleIndex][position].unsaved = true
        unsavedCounters.append((Int32(ruleIndex), Int32(position)))
    }

    /// Whether anything changed since the last `takeUnsaved(now:)`.
    public var hasUnsavedChanges: Bool {
        !unsavedClients.isEmpty || !unsavedLog.isEmpty || !unsavedCounters.isEmpty || !freedCounters.isEmpty
            || countersReplaced
            || !unsavedForgotten.isEmpty
    }

    /// What changed since the last call, for the store: the clients an event touched and the
    /// counting rules' windows. Marks everything saved.
    public func takeUnsaved(now: Int64) -> EngineChanges {
        var result = EngineChanges()
        result.clients.reserveCapacity(unsavedClients.count)
        for position in unsavedClients {
            unsavedClient[Int(position)] = false
            guard !isForgotten(Int(position)) else { continue }
            result.clients.append(table[Int(position)])
        }
        unsavedClients.removeAll(keepingCapacity: true)
        swap(&result.log, &unsavedLog)
        result.logCapacity = configuration.logCapacity
        result.forgotten = unsavedForgotten
        unsavedForgotten.removeAll()
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

    func counterRecord(rule ruleIndex: Int, slot position: Int, now: Int64) -> CounterRecord {
        let rule = configuration.countingRules[ruleIndex]
        let slot = counterSlots[ruleIndex][position]
        let lastClient = Int(slot.lastClient) < table.count ? table.id(at: Int(slot.lastClient)) : ""
        return CounterRecord(
            rule: rule.name,
            key: counterKey(rule: ruleIndex, slot: position),
            times: Array(slot.times),
            lastClient: lastClient,
            alert: slot.phase == .firing ? slot.alert : nil,
            notified: slot.notified,
            isLive: slot.phase != .idle || (slot.times.last ?? .min) > now - rule.window,
            delay: slot.phase == .idle ? 0 : slot.box?.delay ?? 0
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
        /// The saved alerts that can belong to an offline or inactive slot, by rule and client id:
        /// a slot computes its fingerprint only when one names its rule and client (computing it
        /// for every pending slot of a million clients cost more than reading them).
        fileprivate var slotCandidates: [SlotAlertKey: [String]]
        /// ``ClientIndex/hash(_:)`` of every client id in `slotCandidates`: a client whose id
        /// hashes to none of them has no saved alert, found without making its id a string.
        fileprivate var candidateIDs: Set<UInt64>
        fileprivate var restored: [Alert] = []
        fileprivate let fresh: Bool
    }

    fileprivate struct SlotAlertKey: Hashable {
        var rule: String
        var clientID: String
    }

    /// Starts a restore of about `expected` clients; `notified` as for `restore`.
    public func beginRestore(notified: [Alert], clients expected: Int) -> RestoreProgress {
        let total = table.count + expected
        table.reserveCapacity(total)
        slots.reserveCapacity(clients: total, slotsPerClient: configuration.offlineRules.count)
        unsavedClient.reserveCapacity(total)
        unseen.reserveCapacity(total)
        fleetTally.reserveCapacity(total)
        countingMatches.reserveCapacity(total)
        clientFleet.reserveCapacity(total * configuration.fleetRules.count)
        index.reserveCapacity(total)
        deadlines.deferOrder()
        let stored = Dictionary(notified.map { ($0.fingerprint, $0) }, uniquingKeysWith: { _, last in last })
        var candidates: [SlotAlertKey: [String]] = [:]
        for (fingerprint, alert) in stored {
            guard let clientID = alert.labels[ClientLabel.clientID.rawValue] else { continue }
            candidates[SlotAlertKey(rule: alert.rule, clientID: clientID), default: []].append(fingerprint)
        }
        return RestoreProgress(
            stored: stored,
            slotCandidates: candidates,
            candidateIDs: Set(candidates.keys.map { ClientIndex.hash($0.clientID) }),
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
        while let state = pending.popLast() {
            guard progress.fresh || tablePosition(of: state.clientID) == nil else { continue }
            // What the slots need, read before the client is moved into the table.
            let status = state.status
            // Offline clocks run from the first of repeated disconnects, as they did before the
            // stop; `keep_firing_for` from the first connect after the alert's disconnect.
            let offlineSince =
                status == .disconnected ? state.summary.latestRunBegan(.disconnect) ?? state.lastDisconnectTime : nil
            let backSince = status == .connected ? state.summary.latestRunBegan(.connect) ?? state.lastConnectTime : nil
            let lastConnect = state.lastConnectTime ?? state.summary.firstTime
            let lastActivity = state.lastActivityTime
            let position = addClient(state)
            for slotPosition in slots.indices(of: position) {
                var slot = slots[position, slotPosition]
                var alert: Alert?
                let ruleIndex = Int(slot.rule)
                let timing = offlineTiming[ruleIndex]
                let since: Int64?
                switch timing.condition {
                case .disconnected where status == .disconnected: since = offlineSince
                case .disconnected where configuration.offlineRules[ruleIndex].keepFiringFor > 0 && backSince != nil:
                    // Back before the stop, within `keep_firing_for` of a notified alert: it keeps firing.
                    alert = restoreCooling(
                        &slot,
                        client: position,
                        slot: slotPosition,
                        back: backSince ?? now,
                        now: now,
                        progress: &progress
                    )
                    since = nil
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
                    if let saved = takeSavedAlert(rule: ruleIndex, client: position, from: &progress) {
                        slot.phase = .firing
                        alert = saved
                        slot.notified = true
                        firingCount += 1
                        progress.restored.append(saved)
                    } else {
                        // As when the disconnect arrived: an offline clock already past its `for`
                        // fires now (`clientDisconnected`); inactive clocks keep their deadline.
                        let due = since + timing.forDuration
                        let deadline = timing.condition == .disconnected ? max(due, now) : due
                        schedule(&slot, client: position, slot: slotPosition, deadline: deadline)
                    }
                }
                slots[position, slotPosition] = slot
                if let alert { slots.setAlert(alert, client: position, slot: slotPosition) }
            }
        }
    }

    /// A slot whose client came back at `back`: its saved alert, if any, keeps firing until
    /// `keep_firing_for` has passed since then. Returns that alert (the caller gives it to the slot).
    private func restoreCooling(
        _ slot: inout Slot,
        client position: Int,
        slot slotPosition: Int,
        back: Int64,
        now: Int64,
        progress: inout RestoreProgress
    ) -> Alert? {
        let keep = configuration.offlineRules[Int(slot.rule)].keepFiringFor
        guard back + keep > now, let alert = takeSavedAlert(rule: Int(slot.rule), client: position, from: &progress)
        else { return nil }
        slot.phase = .cooling
        slot.since = alert.activeSince
        slot.notified = true
        firingCount += 1
        progress.restored.append(alert)
        schedule(&slot, client: position, slot: slotPosition, deadline: back + keep)
        return alert
    }

    /// The saved alert of offline rule `ruleIndex` about the client at `position`, if one was
    /// notified with the labels the client has now.
    private func takeSavedAlert(
        rule ruleIndex: Int,
        client position: Int,
        from progress: inout RestoreProgress
    ) -> Alert? {
        guard !progress.slotCandidates.isEmpty, progress.candidateIDs.contains(table.idHash(at: position)) else {
            return nil
        }
        let rule = configuration.offlineRules[ruleIndex]
        let key = SlotAlertKey(rule: rule.name, clientID: table.id(at: position))
        guard let candidates = progress.slotCandidates[key] else { return nil }
        let fingerprint = offlineLabels(rule, client: table[position]).fingerprint
        guard candidates.contains(fingerprint) else { return nil }
        progress.slotCandidates[key] = nil
        return progress.stored.removeValue(forKey: fingerprint)
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

    func restoreCounters(
        _ records: [CounterRecord],
        stored: inout [String: Alert],
        restored: inout [Alert],
        now: Int64
    ) {
        for record in records {
            guard let ruleIndex = configuration.countingRules.firstIndex(where: { $0.name == record.rule }),
                let lastClient = tablePosition(of: record.lastClient)
            else { continue }
            let rule = configuration.countingRules[ruleIndex]
            let byClient = rule.grouping == .client
            // A window of a rule grouped by client is its client's (and keeps no key of its own).
            var owner: Int32?
            if byClient, let client = tablePosition(of: record.key) {
                if existingCounterSlot(rule: ruleIndex, client: Int(client)) != nil { continue }
                owner = client
            } else if byClient || counterIndex[ruleIndex][record.key] != nil {
                continue
            }
            var slot = CounterSlot()
            slot.times = EventTimes(record.times.sorted().suffix(rule.count))
            slot.lastClient = owner ?? lastClient
            slot.saved = true
            let position = freeCounterSlots[ruleIndex].last.map(Int.init) ?? counterSlots[ruleIndex].count
            if let alert = record.alert {
                if record.notified { stored[alert.fingerprint] = nil }
                slot.phase = .firing
                slot.alert = alert
                slot.notified = record.notified
                firingCount += 1
                if record.notified { restored.append(alert) }
                slot.activeBox().delay = record.delay
                scheduleCounter(
                    &slot,
                    rule: ruleIndex,
                    slot: position,
                    at: max(now, Self.resolveDeadline(slot, rule) + record.delay)
                )
            } else if Self.threshold(slot, rule, at: now - record.delay) {
                slot.phase = .pending
                slot.activeBox().delay = record.delay
                scheduleCounter(&slot, rule: ruleIndex, slot: position, at: max(now, graceEnd))
            } else if (slot.times.last ?? .min) <= now - rule.window {
                continue
            }
            let added = addCounterSlot(slot, rule: ruleIndex, key: owner == nil ? record.key : "")
            if slot.phase == .idle { windowIdle(slot, rule: ruleIndex) }
            assert(added == position, "a restored counter slot goes where its deadline points")
            if let owner {
                setCounterSlot(Int32(position), rule: ruleIndex, client: Int(owner))
            } else {
                counterIndex[ruleIndex][record.key] = Int32(position)
            }
        }
    }

    /// When the group's offline members, by the times they went offline, first made `rule` hold;
    /// `nil` when it does not hold.
    func fleetHeldSince(_ rule: FleetRule, group: FleetGroup) -> Int64? {
        guard rule.holds(offline: group.offline, total: group.total) else { return nil }
        var times: [Int64] = []
        for member in group.members where !isForgotten(Int(member)) {
            // Read in place: copying a client out would retain and release each of its texts.
            let position = Int(member)
            guard table.fields[position].status == .disconnected else { continue }
            if let since = table.fields[position].summary.latestRunBegan(.disconnect)
                ?? table.fields[position].lastDisconnectTime
            {
                times.append(since)
            }
        }
        times.sort()
        for count in times.indices where rule.holds(offline: count + 1, total: group.total) {
            return times[count]
        }
        return nil
    }

    /// Fleet groups were rebuilt from the restored clients: one that holds and was notified keeps
    /// firing; one that holds and was not starts pending from now; one notified that no longer
    /// holds resolves.
    func restoreFleet(
        stored: inout [String: Alert],
        restored: inout [Alert],
        now: Int64,
        into changes: inout [AlertChange]
    ) {
        for (ruleIndex, rule) in configuration.fleetRules.enumerated() {
            for position in fleetGroups[ruleIndex].indices {
                var group = fleetGroups[ruleIndex][position]
                let saved = stored.removeValue(forKey: Self.fleetLabels(rule, group: group.key).fingerprint)
                if rule.holds(offline: group.offline, total: group.total), let saved {
                    group.phase = .firing
                    group.alert = saved
                    group.since = saved.activeSince
                    group.notified = true
                    firingCount += 1
                    restored.append(saved)
                    fleetGroups[ruleIndex][position] = group
                } else {
                    if let saved { stored[saved.fingerprint] = saved }
                    // A group that holds is pending from when its offline members made it hold, as
                    // it was before the stop, not from the restart.
                    let since = group.phase == .idle ? fleetHeldSince(rule, group: group) : nil
                    evaluateFleet(rule: ruleIndex, group: position, at: since ?? now, into: &changes)
                }
            }
        }
    }
}
