extension Engine {
    /// Every client's offline slots in one array (one allocation for all clients, not one each):
    /// client `c`'s slots are `all[start[c]..<start[c + 1]]`.
    ///
    /// Keeps how many slots are pending, per rule, and which slots fire (firing or cooling), as
    /// they change (every change goes through this type): `/metrics` and the rules listing read
    /// the counts in O(rules), and the alerts listing visits the firing slots only, not every
    /// client's. The alerts of the slots that have one (firing or cooling) are kept here too, by
    /// position, so that a slot holds no reference of its own.
    struct SlotTable {
        private(set) var all: [Slot] = []
        /// The alert of each slot that has one, by position in `all`.
        private var alerts: [Int32: Alert] = [:]
        private var start: [Int32] = [0]
        /// Pending slots by offline rule.
        private(set) var pendingByRule: [Int] = []
        private(set) var pendingCount = 0
        /// The positions in `all` of the slots that fire (firing or cooling).
        private(set) var firing = Set<Int32>()

        /// The positions of the client's slots.
        func indices(of client: Int) -> Range<Int> { 0..<Int(start[client + 1] - start[client]) }

        func row(_ client: Int) -> ArraySlice<Slot> { all[Int(start[client])..<Int(start[client + 1])] }

        subscript(client: Int, slot: Int) -> Slot {
            get { all[Int(start[client]) + slot] }
            _modify {
                let position = Int(start[client]) + slot
                let phaseBefore = all[position].phase
                let ruleBefore = all[position].rule
                yield &all[position]
                let phase = all[position].phase
                if phaseBefore == .pending { count(rule: ruleBefore, -1) }
                if phase == .pending { count(rule: all[position].rule, 1) }
                let fired = Self.fires(phaseBefore)
                if fired != Self.fires(phase) {
                    if fired { firing.remove(Int32(position)) } else { firing.insert(Int32(position)) }
                }
            }
        }

        /// The alert of the client's slot `slot`, if it has one.
        func alert(client: Int, slot: Int) -> Alert? { alerts[Int32(Int(start[client]) + slot)] }

        /// The alert of the slot at `position` of `all`, if it has one.
        func alert(at position: Int32) -> Alert? { alerts[position] }

        mutating func setAlert(_ alert: Alert?, client: Int, slot: Int) {
            alerts[Int32(Int(start[client]) + slot)] = alert
        }

        /// Adds the next client's slots, with their alerts.
        mutating func append(_ slots: [(slot: Slot, alert: Alert?)]) {
            for (slot, alert) in slots { appendSlot(slot, alert: alert) }
            endClient()
        }

        /// Adds a slot of the next client, with its alert (`endClient` ends its list).
        mutating func appendSlot(_ slot: Slot, alert: Alert? = nil) {
            if let alert { alerts[Int32(all.count)] = alert }
            all.append(slot)
            if slot.phase == .pending { count(rule: slot.rule, 1) }
            if Self.fires(slot.phase) { firing.insert(Int32(all.count - 1)) }
        }

        mutating func endClient() {
            start.append(Int32(all.count))
        }

        mutating func reserveCapacity(clients: Int, slotsPerClient: Int = 0) {
            start.reserveCapacity(clients + 1)
            all.reserveCapacity(clients * slotsPerClient)
        }

        /// The client whose slots include position `position` of `all` (a binary search).
        func client(ofSlotAt position: Int32) -> Int {
            // The last client whose first slot is at or before `position`.
            var low = 0
            var high = start.count - 2
            while low < high {
                let middle = (low + high + 1) / 2
                if start[middle] <= position { low = middle } else { high = middle - 1 }
            }
            // The last such client is the one that has the slot: a client without slots before it
            // shares its start with the next client.
            return low
        }

        private static func fires(_ phase: SlotPhase) -> Bool { phase == .firing || phase == .cooling }

        private mutating func count(rule: Int32, _ delta: Int) {
            let index = Int(rule)
            if index >= pendingByRule.count {
                pendingByRule.append(contentsOf: repeatElement(0, count: index + 1 - pendingByRule.count))
            }
            pendingByRule[index] += delta
            pendingCount += delta
        }
    }
}
