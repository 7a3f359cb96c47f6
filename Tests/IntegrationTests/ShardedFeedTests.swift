import ConnWatchTestSupport
import Foundation
import Testing

/// Spreading one feed over several connwatch instances on a real Mosquitto: MQTT 5 shared
/// subscriptions (`$share/GROUP/filter`) are subscribed as written and matched by their filter, and
/// instances with disjoint topic filters each alert on their own clients, once.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ShardedFeedTests {
    /// A `$share/GROUP/…` subscription receives its messages through Mosquitto, with MQTT 5 and with
    /// MQTT 3.1.1 (Mosquitto 2.0 shares for both), and its client's offline alert is notified.
    @Test func aSharedSubscriptionReceivesItsMessages() async throws {
        let rig = try ShardRig()
        defer { rig.stop() }
        // Two groups: each group gets every message once. Each instance has a second (application)
        // subscription, so that a message is decoded only if its topic matches the right filter.
        for (group, version) in [("v5", "5"), ("v311", "3.1.1")] {
            try await rig.start(
                topic: "$share/\(group)/iot-2/type/+/id/+/mon\n      format: watson-iot\n"
                    + "    - topic: $share/\(group)/iot-2/app/+/mon",
                path: group,
                protocolVersion: version
            )
        }
        try rig.goOffline("shared1")
        let client = "d:org1:sensor:shared1"
        let arrived = try await rig.wait { Set(rig.told.paths(of: client)) == ["/v5/alerts", "/v311/alerts"] }
        #expect(arrived, "told: \(rig.told.paths(of: client)); logs:\n\(rig.logs)")
        for instance in rig.instances {
            #expect(rig.events(instance) == ["\(client) Connect", "\(client) Disconnect"], "\(rig.logs)")
        }
    }

    /// Two instances in one share group on Mosquitto: each message reaches one of them, so the feed is
    /// split, and a client's connect and disconnect can reach different instances (why per-client
    /// rules want disjoint filters with Mosquitto).
    @Test func mosquittoSplitsAShareGroupMessageByMessage() async throws {
        let rig = try ShardRig()
        defer { rig.stop() }
        for name in ["a", "b"] { try await rig.start(topic: "$share/connwatch/iot-2/type/+/id/+/mon", path: name) }
        let clients = (1...10).map { "rr\($0)" }
        for id in clients { try rig.goOffline(id) }
        let all = try await rig.wait { rig.instances.map { rig.events($0).count }.reduce(0, +) >= 2 * clients.count }
        #expect(all, "\(rig.instances.map(rig.events))")
        let seen = rig.instances.map(rig.events)
        #expect(seen.map(\.count).reduce(0, +) == 2 * clients.count, "each message once in the group: \(seen)")
        #expect(seen.allSatisfy { !$0.isEmpty }, "both instances get part of the feed: \(seen)")
        let split = clients.filter { id in
            seen.filter { $0.contains { $0.hasPrefix("d:org1:sensor:\(id) ") } }.count > 1
        }
        // Mosquitto 2.0 takes the group's subscribers in turn: a client's two messages, published one
        // after the other, go to different instances.
        #expect(!split.isEmpty, "no client's events were split: \(seen)")
        print("share group on Mosquitto: \(split.count) of \(clients.count) clients had their events split")
    }

    /// Instance A watches type `typeA`, instance B type `typeB`, each notifying its own webhook path:
    /// every client's alert arrives exactly once, from the instance whose filter covers it.
    @Test func disjointFiltersAlertEachClientOnceFromItsInstance() async throws {
        let rig = try ShardRig()
        defer { rig.stop() }
        let types = ["typeA", "typeB"]
        for type in types { try await rig.start(topic: "iot-2/type/\(type)/id/+/mon", path: type) }
        let clients = [("typeA", "a1"), ("typeA", "a2"), ("typeB", "b1"), ("typeB", "b2"), ("typeA", "a3")]
        for (type, id) in clients { try rig.goOffline(id, type: type) }
        let allTold = try await rig.wait {
            clients.allSatisfy { type, id in !rig.told.paths(of: "d:org1:\(type):\(id)").isEmpty }
        }
        #expect(allTold, "told: \(rig.told.firing.withLock { $0 }); logs:\n\(rig.logs)")
        // Time for a second notification of any client to arrive (group_interval is 1 s).
        try await Task.sleep(for: .seconds(4))
        for (type, id) in clients {
            let paths = rig.told.paths(of: "d:org1:\(type):\(id)")
            #expect(paths == ["/\(type)/alerts"], "\(id) was told \(paths.count) times, by \(paths)")
        }
        for (instance, type) in zip(rig.instances, types) {
            let others = rig.events(instance).filter { !$0.hasPrefix("d:org1:\(type):") }
            #expect(others.isEmpty, "an instance saw clients outside its filter: \(others)")
        }
    }
}
