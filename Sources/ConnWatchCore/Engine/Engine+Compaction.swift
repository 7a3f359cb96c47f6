/// Compacting the client table: forgotten clients' places are dropped and the clients after them
/// move up, so the table's size follows the clients known, not every client ever heard of.
extension Engine {
    /// Compacts once forgotten clients make up a quarter of the table (and at least 64), so each
    /// forget costs O(1) amortized.
    func compactClientsIfNeeded() {
        guard tombstones.count >= max(64, table.count / 4) else { return }
        compactClients()
    }

    /// Drops the forgotten clients' places and renumbers everything that names a client by its
    /// position: the index, the offline slots (and their queued deadlines), the fleet groups, the
    /// counting windows, the feeds' paused slots and what the store has yet to see. A forgotten
    /// client that a counting window still names as its last client keeps its place (and its
    /// state, for that window's annotations) until the window is freed.
    func compactClients() {
        var named = Set<Int32>()
        for rule in counterSlots.indices {
            for slot in counterSlots[rule] where !slot.isFree && tombstones.contains(slot.lastClient) {
                named.insert(slot.lastClient)
            }
        }
        guard named.count < tombstones.count else { return }
        var moved = [Int32](repeating: -1, count: table.count)
        var kept: Int32 = 0
        for position in table.indices
        where !tombstones.contains(Int32(position)) || named.contains(Int32(position)) {
            moved[position] = kept
            kept += 1
        }
        func keep<Element>(_ column: [Element]) -> [Element] {
            var result: [Element] = []
            result.reserveCapacity(Int(kept))
            for position in column.indices where moved[position] >= 0 { result.append(column[position]) }
            return result
        }
        table.compact(moved, kept: Int(kept))
        unsavedClient = keep(unsavedClient)
        unseen = keep(unseen)
        if !countingMatches.isEmpty { countingMatches = keep(countingMatches) }
        for rule in clientCounter.indices where !clientCounter[rule].isEmpty {
            clientCounter[rule] = keep(clientCounter[rule])
        }
        moveSlots(moved, kept: Int(kept))
        fleetTally.compact(moved, kept: Int(kept))
        moveFleetMembers(moved)
        for rule in counterSlots.indices {
            for slot in counterSlots[rule].indices where !counterSlots[rule][slot].isFree {
                counterSlots[rule][slot].lastClient = moved[Int(counterSlots[rule][slot].lastClient)]
            }
        }
        index.remap(moved)
        unsavedClients = unsavedClients.compactMap { moved[Int($0)] >= 0 ? moved[Int($0)] : nil }
        for feed in feeds.indices where !feeds[feed].paused.isEmpty {
            feeds[feed].paused = feeds[feed].paused.compactMap { entry in
                moved[Int(entry.client)] >= 0 ? (moved[Int(entry.client)], entry.slot) : nil
            }
        }
        tombstones = Set(named.map { moved[Int($0)] })
        compactDeadlinesIfNeeded()
    }

    /// The offline slots of the clients kept, in their new places; a moved slot's deadline is
    /// queued again under its new position (the old entry becomes an orphan).
    private func moveSlots(_ moved: [Int32], kept: Int) {
        var rebuilt = SlotTable()
        rebuilt.reserveCapacity(clients: kept)
        for position in moved.indices where moved[position] >= 0 {
            let newPosition = Int(moved[position])
            for slotPosition in slots.indices(of: position) {
                var slot = slots[position, slotPosition]
                if newPosition != position {
                    let timer = slot.timer
                    deadlines.forget(&slot.timer)
                    if timer.isArmed {
                        deadlines.arm(&slot.timer, at: timer.deadline, key: offlineKey(newPosition, slotPosition))
                    }
                }
                rebuilt.appendSlot(slot, alert: slots.alert(client: position, slot: slotPosition))
            }
            rebuilt.endClient()
        }
        slots = rebuilt
    }

    /// Fleet groups and memberships without the forgotten clients.
    private func moveFleetMembers(_ moved: [Int32]) {
        let fleetRules = configuration.fleetRules.count
        guard fleetRules > 0 else { return }
        var memberships: [Int32] = []
        memberships.reserveCapacity(clientFleet.count)
        for position in moved.indices where moved[position] >= 0 {
            memberships.append(contentsOf: clientFleet[position * fleetRules..<(position + 1) * fleetRules])
        }
        clientFleet = memberships
        for rule in fleetGroups.indices {
            for group in fleetGroups[rule].indices {
                fleetGroups[rule][group].members = fleetGroups[rule][group].members.compactMap { member in
                    tombstones.contains(member) ? nil : moved[Int(member)]
                }
                fleetGroups[rule][group].forgotten = 0
            }
        }
    }
}
