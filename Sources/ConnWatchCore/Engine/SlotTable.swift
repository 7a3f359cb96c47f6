extension Engine {
    /// Every client's offline slots in one array (one allocation for all clients, not one each):
    /// client `c`'s slots are `all[start[c]..<start[c + 1]]`.
    ///
    /// Keeps how many slots are pending, per rule, as they change (every change goes through
    /// this type), so `/metrics` and the rules listing read the counts in O(rules), not O(slots).
    struct SlotTable {
        private(set) var all: [Slot] = []
        private var start: [Int32] = [0]
        /// Pending slots by offline rule.
        private(set) var pendingByRule: [Int] = []
        private(set) var pendingCount = 0

        /// The positions of the client's slots.
        func indices(of client: Int) -> Range<Int> { 0..<Int(start[client + 1] - start[client]) }

        func row(_ client: Int) -> ArraySlice<Slot> { all[Int(start[client])..<Int(start[client + 1])] }

        subscript(client: Int, slot: Int) -> Slot {
            get { all[Int(start[client]) + slot] }
            _modify {
                let position = Int(start[client]) + slot
                let wasPending = all[position].phase == .pending
                let ruleBefore = all[position].rule
                yield &all[position]
                let isPending = all[position].phase == .pending
                if wasPending { count(rule: ruleBefore, -1) }
                if isPending { count(rule: all[position].rule, 1) }
            }
        }

        /// Adds the next client's slots.
        mutating func append(_ slots: [Slot]) {
            for slot in slots { appendSlot(slot) }
            endClient()
        }

        /// Adds a slot of the next client (`endClient` ends its list).
        mutating func appendSlot(_ slot: Slot) {
            all.append(slot)
            if slot.phase == .pending { count(rule: slot.rule, 1) }
        }

        mutating func endClient() {
            start.append(Int32(all.count))
        }

        mutating func reserveCapacity(clients: Int) {
            start.reserveCapacity(clients + 1)
        }

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
