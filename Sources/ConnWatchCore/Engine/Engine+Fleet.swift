/// `fleet_offline` rules: groups of clients, their counts, and the per-client alerts they hold back.
extension Engine {
    /// Fleet rules changed: resolve their alerts and count the groups anew from the client table.
    func rebuildFleet(now: Int64, into changes: inout [AlertChange]) {
        for groups in fleetGroups {
            for group in groups { deadlines.forget(dropped: group.timer) }
            for group in groups where group.phase == .firing {
                endFiring(group.alert, notified: group.notified, at: now, into: &changes)
            }
        }
        fleetGroups = Array(repeating: [], count: configuration.fleetRules.count)
        fleetIndex = Array(repeating: [:], count: configuration.fleetRules.count)
        clientFleet = []
        clientFleet.reserveCapacity(table.count * configuration.fleetRules.count)
        for position in table.indices {
            var memberships: [Int32] = []
            let known = !isForgotten(position)
            for (ruleIndex, rule) in configuration.fleetRules.enumerated() {
                memberships.append(
                    known && rule.match.matches(table[position])
                        ? joinFleet(rule: ruleIndex, position: position, client: table[position]) : -1
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

    // MARK: Fleet rules

    /// Adds a client to its group of a fleet rule; returns the group's index.
    func joinFleet(rule ruleIndex: Int, position: Int, client: borrowing ClientState) -> Int32 {
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
    func fleetMemberChanged(
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

    func evaluateFleet(
        rule ruleIndex: Int,
        group position: Int,
        at time: Int64,
        into changes: inout [AlertChange]
    ) {
        let rule = configuration.fleetRules[ruleIndex]
        var group = fleetGroups[ruleIndex][position]
        let holds = rule.holds(offline: group.offline, total: group.total)
        switch group.phase {
        case .idle where holds:
            group.phase = .pending
            group.since = time
            deadlines.arm(
                &group.timer,
                at: configuration.startupGrace > 0 ? max(time + rule.forDuration, graceEnd) : time + rule.forDuration,
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

    func fleetDeadline(
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
        guard rule.holds(offline: group.offline, total: group.total) else {
            group.phase = .idle
            fleetGroups[ruleIndex][position] = group
            return
        }
        let labels = Self.fleetLabels(rule, group: group.key)
        let alert = AlertMaker.firing(
            labels: labels,
            annotations: fleetAnnotations(rule: ruleIndex, group: group, labels: labels, at: time),
            rule: rule.name,
            activeSince: group.since,
            at: time,
            receivers: rule.receivers
        )
        group.phase = .firing
        group.alert = alert
        group.notified = true
        firingCount += 1
        fleetGroups[ruleIndex][position] = group
        changes.append(AlertChange(alert: alert))
    }

    /// The labels of a fleet rule's alert for the group `key` (the `group_by` label's value).
    static func fleetLabels(_ rule: FleetRule, group key: String) -> LabelSet {
        AlertMaker.labels(
            rule.labels,
            rule: rule.name,
            severity: rule.severity,
            group: rule.groupBy.map { ($0.rawValue, key) }
        )
    }

    /// A fleet alert's annotations for the group's counts now (`offline_clients`, `total_clients`,
    /// `offline_percent`): made when it fires, again for every notification, and when it resolves.
    func fleetAnnotations(rule ruleIndex: Int, group: FleetGroup, labels: LabelSet, at time: Int64) -> LabelSet {
        let rule = configuration.fleetRules[ruleIndex]
        let total = group.total
        let percent = total > 0 ? group.offline * 100 / total : 0
        let anyMember = Int(group.members.first ?? 0)
        guard anyMember < table.count else { return group.alert?.annotations ?? LabelSet() }
        let variables = AlertVariables(
            client: table[anyMember],
            rule: rule.name,
            severity: rule.severity,
            since: group.since,
            now: time,
            extra: [
                "group": group.key, "offline_clients": String(group.offline), "total_clients": String(total),
                "offline_percent": String(percent),
            ]
        )
        return AlertMaker.annotations(rule.annotations, variables, labels: labels)
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
    func resolveFleet(
        rule ruleIndex: Int,
        group position: Int,
        at time: Int64,
        into changes: inout [AlertChange]
    ) {
        var group = fleetGroups[ruleIndex][position]
        var alert = group.alert
        alert?.annotations = fleetAnnotations(
            rule: ruleIndex,
            group: group,
            labels: group.alert?.labels ?? LabelSet(),
            at: time
        )
        endFiring(alert, notified: group.notified, at: time, into: &changes)
        group.phase = .idle
        group.alert = nil
        group.notified = false
        deadlines.disarm(&group.timer)
        fleetGroups[ruleIndex][position] = group
        guard configuration.fleetRules[ruleIndex].inhibit else { return }
        let holdDown = max(configuration.fleetRules[ruleIndex].forDuration, 60_000)
        for member in group.members { releaseHeldBack(Int(member), at: time, holdDown: holdDown) }
    }

    /// The offline alerts of a client that an inhibiting alert held back go back to pending for
    /// `holdDown`; if the client is still offline then, it is told.
    func releaseHeldBack(_ client: Int, at time: Int64, holdDown: Int64) {
        guard !isInhibited(client) else { return }
        for slotPosition in slots.indices(of: client)
        where slots[client, slotPosition].phase == .firing && !slots[client, slotPosition].notified {
            var slot = slots[client, slotPosition]
            slot.phase = .pending
            firingCount -= 1
            schedule(&slot, client: client, slot: slotPosition, deadline: time + holdDown)
            slots[client, slotPosition] = slot
            slots.setAlert(nil, client: client, slot: slotPosition)
        }
    }

    /// Whether a firing fleet alert of one of the client's groups, or its own flapping alert,
    /// speaks for it.
    func isInhibited(_ position: Int, byFlapping: Bool = true) -> Bool {
        guard position < table.count else { return false }
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
}
