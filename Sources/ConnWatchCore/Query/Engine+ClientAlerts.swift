/// One client's alerts, for `GET /api/v1/alerts?client=…` (the console's client page): read from
/// that client's slots, so the answer costs the same at any fleet size.
extension Engine {
    /// The alerts about the client `clientID`: its offline and inactive alerts (firing, or pending
    /// as they would read at `now`) and the firing alerts of its counting rules grouped by client.
    /// Fleet and feed alerts are about groups, not one client, and are not listed. `heldBack`
    /// gives, for each firing alert the engine holds back, the fingerprints of those holding it
    /// back (as ``heldBackAlerts`` does for every client).
    public func alerts(
        ofClient clientID: String,
        at now: Int64
    ) -> (firing: [Alert], pending: [Alert], heldBack: [String: [String]]) {
        guard let stored = tablePosition(of: clientID) else { return ([], [], [:]) }
        let position = Int(stored)
        var firing: [Alert] = []
        var pending: [Alert] = []
        var heldBack: [String: [String]] = [:]
        for (slotPosition, slot) in slots.row(position).enumerated() {
            switch slot.phase {
            case .firing, .cooling:
                guard let alert = slots.alert(client: position, slot: slotPosition) else { continue }
                firing.append(alert)
                if slot.phase == .firing && !slot.notified {
                    heldBack[alert.fingerprint] = inhibitingAlerts(of: position, byFlapping: true)
                }
            case .pending:
                pending.append(pendingAlert(client: position, slot: slot, at: now))
            case .idle:
                break
            }
        }
        for ruleIndex in configuration.countingRules.indices
        where configuration.countingRules[ruleIndex].grouping == .client {
            guard let slotIndex = existingCounterSlot(rule: ruleIndex, client: position) else { continue }
            let slot = counterSlots[ruleIndex][Int(slotIndex)]
            guard slot.phase == .firing, let alert = slot.alert else { continue }
            firing.append(alert)
            if !slot.notified {
                let byFlapping = configuration.countingRules[ruleIndex].kind != .flapping
                heldBack[alert.fingerprint] = inhibitingAlerts(of: position, byFlapping: byFlapping)
            }
        }
        return (firing, pending, heldBack)
    }
}
