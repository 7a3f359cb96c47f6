// `growth`: whether the engine's memory grows with events rather than with clients.
import ConnWatchCore
import Foundation

/// `growth flap|scan [EVENTS]`: 10 clients and EVENTS events (10 ms apart, after a warm-up of a
/// tenth as many), the clock advanced after each like the daemon does; prints the RSS growth from
/// after the warm-up to the end, which should not depend on EVENTS.
///
/// - `flap`: the clients connect and disconnect in turn, with an offline rule (`for: 30m`), an
///   inactive rule on activity (`for: 1d`) and a disconnects rule (5 in a day, which fires and
///   keeps firing).
/// - `scan`: the clients fail to connect, each attempt from another source address (a million
///   distinct ones, as internet scanners do), with a failed_connects rule grouped by address
///   (5 in 10 minutes).
func runGrowth(variant: String, events: Int) {
    let minute: Int64 = 60_000
    let configuration: EngineConfiguration
    switch variant {
    case "flap":
        configuration = EngineConfiguration(
            offlineRules: [
                OfflineRule(name: "offline", forDuration: 30 * minute),
                OfflineRule(name: "inactive", forDuration: 1440 * minute, condition: .noActivity),
            ],
            countingRules: [CountingRule(name: "drops", kind: .disconnects, count: 5, window: 1440 * minute)]
        )
    case "scan":
        configuration = EngineConfiguration(
            countingRules: [
                CountingRule(name: "refused", kind: .failedConnects, count: 5, window: 10 * minute, grouping: .address)
            ]
        )
    default:
        print("usage: connwatch-bench growth flap|scan [EVENTS]")
        exit(2)
    }
    let start: Int64 = 1_790_000_000_000
    let engine = Engine(configuration: configuration, startTime: start)
    engine.keepsLogForStore = false
    var changes: [AlertChange] = []
    var alertChanges = 0
    let clientIDs = (0..<10).map { "d:org1:sensor:s-\($0)" }
    func feed(_ range: Range<Int>) {
        for index in range {
            let time = start + Int64(index) * 10
            let client = index % clientIDs.count
            var event = StatusEvent(
                action: .connect,
                clientID: clientIDs[client],
                clientType: .device,
                orgID: "org1",
                typeID: "sensor",
                deviceID: "s-\(client)",
                time: time
            )
            if variant == "flap" {
                // Each client alternates: connect, disconnect, connect, …
                if !(index / clientIDs.count).isMultiple(of: 2) {
                    event.action = .disconnect
                    event.initiator = .network
                }
            } else {
                let address = index % 1_000_000
                event.action = .failedConnect
                event.reasonCode = 5
                event.clientAddress = "10.\(address >> 16).\((address >> 8) & 255).\(address & 255)"
            }
            engine.handle(event, broker: "bench", now: time, into: &changes)
            engine.advance(to: time, into: &changes)
            alertChanges += changes.count
            changes.removeAll(keepingCapacity: true)
        }
    }
    let warmUp = max(events / 10, 1)
    feed(0..<warmUp)
    let before = residentBytes()
    let elapsed = ContinuousClock().measure { feed(warmUp..<warmUp + events) }
    let after = residentBytes()
    let growth = Double(after - before) / 1_048_576
    print(
        "  \(variant): \(events) events for \(engine.clientCount) clients (after \(warmUp) to warm up) in "
            + String(format: "%.1f s; %d alert changes; ", seconds(elapsed), alertChanges)
            + "RSS \(before / 1_048_576) → \(after / 1_048_576) MiB, growth "
            + String(format: "%.1f MiB (target ≤ 16)", growth)
    )
    figure("growth_\(variant)_rss_mib", growth)
}
