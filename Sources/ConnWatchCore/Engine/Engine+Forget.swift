/// A client's end of life: decommissioned clients forgotten on request (`connwatch forget`,
/// `DELETE /api/v0002/clientconnectionstates/{clientId}`) and clients silent for `forget_after`
/// forgotten by a sweep. A forgotten client leaves the index, its counts and its fleet groups at
/// once; its place in the table stays as a tombstone until the table is compacted.
extension Engine {
    /// Forgets each client of `clientIDs` that is known, at `time`: its open alerts resolve (with
    /// `reason` in their `resolved_reason` annotation), it no longer counts in fleet ratios or
    /// counts, and the store deletes its row. Returns the clients that were known.
    @discardableResult
    public func forget(
        _ clientIDs: [String],
        reason: String,
        at time: Int64,
        into changes: inout [AlertChange]
    ) -> [String] {
        defer {
            compactClientsIfNeeded()
            compactDeadlinesIfNeeded()
        }
        var forgotten: [String] = []
        for clientID in clientIDs {
            guard let position = tablePosition(of: clientID) else { continue }
            forgetClient(Int(position), reason: reason, at: time, into: &changes)
            forgotten.append(clientID)
        }
        // Their log entries not yet saved go with them (the store deletes the saved log).
        if !forgotten.isEmpty && !unsavedLog.isEmpty {
            let gone = Set(forgotten)
            unsavedLog.removeAll { gone.contains($0.clientID) }
        }
        return forgotten
    }

    /// How often the `forget_after` sweep runs: a tenth of it, between a second and an hour, so a
    /// client is forgotten at most 10 % late and the sweep (one pass over the table) stays rare.
    var forgetSweepInterval: Int64 {
        min(max(configuration.forgetAfter / 10, 1000), 3_600_000)
    }

    /// Arms the `forget_after` sweep (never before the startup grace ends), if it is configured.
    func armForgetSweep(now: Int64) {
        guard configuration.forgetAfter > 0 else { return }
        deadlines.arm(
            &forgetSweep,
            at: max(now + forgetSweepInterval, graceEnd),
            key: DeadlineKey(kind: .forget, first: 0)
        )
    }

    /// The sweep: forgets every client that is not connected and has had no event for
    /// `forget_after`. Clients of a broker whose feed is down are not judged (their silence may
    /// be the feed's).
    func forgetSilentClients(_ entry: Deadlines.Entry, into changes: inout [AlertChange]) {
        guard deadlines.settle(entry, &forgetSweep) else { return }
        let now = entry.deadline
        armForgetSweep(now: now)
        let limit = now - configuration.forgetAfter
        let downBrokers = Set(feeds.lazy.filter { !$0.up }.map(\.broker))
        var silent: [String] = []
        for position in table.indices where table.fields[position].status != .connected {
            let last =
                table.fields[position].lastActivityTime ?? table.fields[position].lastDisconnectTime
                ?? table.fields[position].lastConnectTime
            guard let last, last <= limit, !isForgotten(position),
                downBrokers.isEmpty || !downBrokers.contains(table.fields[position].broker)
            else { continue }
            silent.append(table.id(at: position))
        }
        guard !silent.isEmpty else { return }
        let silence = DurationText.format(milliseconds: configuration.forgetAfter)
        forget(silent, reason: "no event for \(silence)", at: now, into: &changes)
    }

    /// Forgets the client at `position` (known, not yet forgotten).
    private func forgetClient(_ position: Int, reason: String, at time: Int64, into changes: inout [AlertChange]) {
        let clientID = table.id(at: position)
        for slotPosition in slots.indices(of: position) {
            var slot = slots[position, slotPosition]
            if slot.phase == .firing || slot.phase == .cooling {
                let alert = slots.alert(client: position, slot: slotPosition)
                endFiring(Self.resolved(alert, reason: reason), notified: slot.notified, at: time, into: &changes)
            }
            deadlines.forget(&slot.timer)
            slots[position, slotPosition] = Slot(rule: slot.rule)
            slots.setAlert(nil, client: position, slot: slotPosition)
        }
        for ruleIndex in configuration.countingRules.indices
        where configuration.countingRules[ruleIndex].grouping == .client {
            guard let slotIndex = existingCounterSlot(rule: ruleIndex, client: position) else { continue }
            let slot = counterSlots[ruleIndex][Int(slotIndex)]
            if slot.phase == .firing {
                endFiring(Self.resolved(slot.alert, reason: reason), notified: slot.notified, at: time, into: &changes)
            }
            freeCounterSlot(rule: ruleIndex, slot: Int(slotIndex))
        }
        let wasDisconnected = table.fields[position].status == .disconnected
        fleetTally.remove(position, status: table.fields[position].status)
        let fleetRules = configuration.fleetRules.count
        for ruleIndex in 0..<fleetRules {
            let group = Int(clientFleet[position * fleetRules + ruleIndex])
            guard group >= 0 else { continue }
            clientFleet[position * fleetRules + ruleIndex] = -1
            fleetGroups[ruleIndex][group].forgotten += 1
            if wasDisconnected { fleetGroups[ruleIndex][group].offline -= 1 }
            evaluateFleet(rule: ruleIndex, group: group, at: time, into: &changes)
        }
        for feed in feeds.indices where !feeds[feed].paused.isEmpty {
            feeds[feed].paused.removeAll { $0.client == Int32(position) }
        }
        unseen[position] = false
        index.remove(clientID, in: table)
        tombstones.insert(Int32(position))
        unsavedForgotten.append(ForgottenClient(clientID: clientID, reason: reason))
        counters.forgotten += 1
    }

    /// `alert` as it resolves because its client was forgotten.
    static func resolved(_ alert: Alert?, reason: String) -> Alert? {
        guard var alert else { return nil }
        alert.annotations["resolved_reason"] = "client forgotten: \(reason)"
        return alert
    }
}
