/// The firing alerts the engine itself holds back, for the query API: a client's offline or
/// counting alerts while a `fleet_offline` alert of one of its groups (with `inhibit`) fires, or
/// while its own flapping alert does. They fire, but nobody is told (`notified` is false), as an
/// inhibited alert in Alertmanager.
extension Engine {
    /// The fingerprints of the firing alerts that hold each held-back alert back, by the held-back
    /// alert's fingerprint. O(firing alerts + counting windows) per call, whatever the number of
    /// clients; the API asks for it once per listing.
    public var heldBackAlerts: [String: [String]] {
        var result: [String: [String]] = [:]
        for slotPosition in slots.firing {
            let slot = slots.all[Int(slotPosition)]
            guard slot.phase == .firing, !slot.notified, let alert = slots.alert(at: slotPosition) else { continue }
            let position = slots.client(ofSlotAt: slotPosition)
            guard !isForgotten(position) else { continue }
            result[alert.fingerprint] = inhibitingAlerts(of: position, byFlapping: true)
        }
        for ruleIndex in configuration.countingRules.indices {
            let byFlapping = configuration.countingRules[ruleIndex].kind != .flapping
            for slot in counterSlots[ruleIndex] where slot.phase == .firing && !slot.notified && !slot.isFree {
                guard let alert = slot.alert else { continue }
                result[alert.fingerprint] = inhibitingAlerts(of: Int(slot.lastClient), byFlapping: byFlapping)
            }
        }
        return result
    }

    /// The firing fleet alerts of the client's groups that inhibit, and its own firing flapping
    /// alerts (`byFlapping`): what ``isInhibited(_:byFlapping:)`` finds, by fingerprint.
    func inhibitingAlerts(of position: Int, byFlapping: Bool) -> [String] {
        guard position >= 0 && position < table.count else { return [] }
        var fingerprints: [String] = []
        let fleetRules = configuration.fleetRules.count
        for ruleIndex in 0..<fleetRules where configuration.fleetRules[ruleIndex].inhibit {
            let group = clientFleet[position * fleetRules + ruleIndex]
            guard group >= 0 else { continue }
            let fleet = fleetGroups[ruleIndex][Int(group)]
            if fleet.phase == .firing, let alert = fleet.alert { fingerprints.append(alert.fingerprint) }
        }
        guard byFlapping else { return fingerprints }
        for ruleIndex in configuration.countingRules.indices
        where configuration.countingRules[ruleIndex].kind == .flapping {
            guard let slot = existingCounterSlot(rule: ruleIndex, client: position) else { continue }
            let counter = counterSlots[ruleIndex][Int(slot)]
            if counter.phase == .firing, let alert = counter.alert { fingerprints.append(alert.fingerprint) }
        }
        return fingerprints
    }
}
