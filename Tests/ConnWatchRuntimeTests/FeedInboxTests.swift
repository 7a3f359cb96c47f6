import Foundation
import Synchronization
import Testing

@testable import ConnWatchRuntime

@Suite struct FeedInboxTests {
    private func message(_ topic: String) -> MQTTEvent {
        .message(MQTTMessage(topic: topic, payload: [], retained: false, qos: 1, receivedAt: 0))
    }

    private func topics(_ items: [FeedInbox.Item]) -> [String] {
        items.compactMap { item in
            if case .message(let message) = item.event { return "\(item.broker):\(message.topic)" }
            return nil
        }
    }

    /// One wake-up for everything put until the loop takes it; the next put after a take wakes again.
    @Test func wakesOncePerBatchAndKeepsOrder() {
        let wakes = Mutex(0)
        let inbox = FeedInbox { wakes.withLock { $0 += 1 } }
        inbox.put(message("a"), broker: "one")
        inbox.put(.connected(sessionPresent: true), broker: "two")
        inbox.put(message("b"), broker: "two")
        #expect(wakes.withLock { $0 } == 1)

        var buffer: [FeedInbox.Item] = []
        inbox.take(into: &buffer)
        #expect(topics(buffer) == ["one:a", "two:b"])
        #expect(buffer.count == 3)
        buffer.removeAll(keepingCapacity: true)

        inbox.take(into: &buffer)
        #expect(buffer.isEmpty)
        inbox.put(message("c"), broker: "one")
        #expect(wakes.withLock { $0 } == 2)
        inbox.take(into: &buffer)
        #expect(topics(buffer) == ["one:c"])
    }

    /// A backlog comes out `limit` items at a time, each take but the last waking the loop again.
    @Test func aBacklogIsTakenInBoundedBatches() {
        let wakes = Mutex(0)
        let inbox = FeedInbox { wakes.withLock { $0 += 1 } }
        for number in 0..<10 { inbox.put(message("\(number)"), broker: "b") }
        var buffer: [FeedInbox.Item] = []
        var batches: [[String]] = []
        repeat {
            buffer.removeAll(keepingCapacity: true)
            inbox.take(into: &buffer, limit: 4)
            batches.append(topics(buffer))
        } while !buffer.isEmpty && batches.count < 10
        #expect(batches == [["b:0", "b:1", "b:2", "b:3"], ["b:4", "b:5", "b:6", "b:7"], ["b:8", "b:9"], []])
        // The first put, then one for each take that left items behind.
        #expect(wakes.withLock { $0 } == 3)
        inbox.put(message("x"), broker: "b")
        #expect(wakes.withLock { $0 } == 4)
    }

    /// Puts from several threads while the consumer takes: nothing lost, each thread's order kept.
    /// Producers and consumer are threads of their own, as the broker clients and the loop are to the
    /// inbox: neither the cooperative pool nor Dispatch's, which other suites may keep busy.
    @Test func concurrentPutsLoseNothing() {
        let inbox = FeedInbox {}
        let perThread = 20_000
        for thread in 0..<2 {
            Thread {
                for number in 0..<perThread { inbox.put(self.message("\(number)"), broker: "t\(thread)") }
            }.start()
        }
        var received: [String: [Int]] = [:]
        var buffer: [FeedInbox.Item] = []
        // Bounded: a lost item must fail the test below, not keep this loop waiting for it.
        let deadline = ContinuousClock.now + .seconds(60)
        while received.values.reduce(0, { $0 + $1.count }) < 2 * perThread && ContinuousClock.now < deadline {
            inbox.take(into: &buffer)
            for item in buffer {
                if case .message(let message) = item.event {
                    received[item.broker, default: []].append(Int(message.topic) ?? -1)
                }
            }
            if buffer.isEmpty { Thread.sleep(forTimeInterval: 0.001) }
            buffer.removeAll(keepingCapacity: true)
        }
        #expect(received["t0"] == Array(0..<perThread))
        #expect(received["t1"] == Array(0..<perThread))
    }
}
