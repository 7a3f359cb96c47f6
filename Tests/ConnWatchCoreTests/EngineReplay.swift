import ConnWatchCore
import ConnWatchTestSupport

/// A seeded stream replayed through an engine, written out as everything the people alerted
/// would be told: every `AlertChange` with its state, times, labels, annotations and fingerprint,
/// then the engine's counters. Uses only the engine's public interface, so the same replay can be
/// run against another build of the engine and the outputs compared line by line.
///
/// The stream has every rule kind (offline with `keep_firing_for`, inactive on connect and on
/// activity, disconnects by client and by label, failed connects by address, flapping, an
/// inhibiting fleet rule), two brokers whose feeds go down and come back, late, repeated and
/// out-of-order events, bursts, silences past every `for`, reloads that change, drop and add
/// rules, explicit forgets, `forget_after`, and clock jumps.
enum EngineReplay {
    static let minute: Int64 = 60_000
    static let t0: Int64 = 1_790_000_000_000

    static func configuration(variant: Int) -> EngineConfiguration {
        var offline = OfflineRule(
            name: "offline",
            match: ClientMatcher([(.clientType, [Glob("device")])]),
            forDuration: (variant == 1 ? 7 : 5) * minute
        )
        offline.keepFiringFor = 2 * minute
        var offlineRules = [
            offline,
            OfflineRule(name: "no_connect", forDuration: 30 * minute, condition: .noConnect),
        ]
        if variant != 2 {
            offlineRules.append(OfflineRule(name: "silent", forDuration: 20 * minute, condition: .noActivity))
        }
        var countingRules = [
            CountingRule(name: "kicked", kind: .disconnects, count: 2, window: 10 * minute, initiators: [.server]),
            CountingRule(name: "refused", kind: .failedConnects, count: 4, window: 10 * minute, grouping: .address),
            CountingRule(name: "flapping", kind: .flapping, count: 6, window: 15 * minute),
        ]
        countingRules.append(
            CountingRule(
                name: "type_drops",
                kind: .disconnects,
                count: variant == 1 ? 5 : 8,
                window: 10 * minute,
                grouping: variant == 2 ? .label(.broker) : .label(.typeID)
            )
        )
        var configuration = EngineConfiguration(
            offlineRules: offlineRules,
            countingRules: countingRules,
            fleetRules: [
                FleetRule(name: "fleet_down", groupBy: .typeID, ratio: 0.5, minClients: 3, forDuration: 3 * minute)
            ],
            startupGrace: 0,
            logCapacity: 5,
            feedDownAfter: 2 * minute,
            forgetAfter: variant == 1 ? 0 : 90 * minute,
            maxLateness: 10 * minute
        )
        configuration.externalLabels = LabelSet(["site": "replay"])
        return configuration
    }

    /// The lines of one replay.
    static func run(seed: UInt64, steps: Int) -> [String] {
        var random = SeededGenerator(state: seed)
        let engine = Engine(configuration: configuration(variant: 0), startTime: t0)
        engine.keepsLogForStore = false
        var lines: [String] = []
        var changes: [AlertChange] = []
        var now = t0
        var lastTime: [Int: Int64] = [:]
        var burst = (client: 0, left: 0)
        let brokers = ["east", "west"]
        func id(_ client: Int) -> String {
            client % 5 == 4 ? "a:org1:app\(client)" : "d:org1:\(client % 3 == 0 ? "pump" : "meter"):dev\(client)"
        }
        func flush(_ step: Int) {
            for change in changes {
                let alert = change.alert
                lines.append(
                    "\(step) \(alert.rule) \(alert.state) since \(alert.activeSince - t0) starts \(alert.startsAt - t0) "
                        + "ends \(alert.endsAt.map { $0 - t0 } ?? -1) \(alert.fingerprint) \(alert.labels) \(alert.annotations)"
                )
            }
            changes.removeAll()
        }
        for step in 0..<steps {
            switch random.below(20) {
            case 0: now += random.within(20 * minute...100 * minute)
            case 1...3: now += random.within(minute...6 * minute)
            case 4...7: now += random.within(0...100)
            default: now += random.within(1_000...40_000)
            }
            switch random.below(60) {
            case 0, 1:
                engine.advance(to: now, into: &changes)
            case 2:
                engine.feedDown(brokers[random.below(2)], reason: "connection refused", at: now)
            case 3:
                engine.feedUp(brokers[random.below(2)], at: now, into: &changes)
            case 4:
                engine.reconfigure(configuration(variant: random.below(3)), now: now, into: &changes)
            case 5:
                let forgotten = engine.forget([id(random.below(14))], reason: "decommissioned", at: now, into: &changes)
                lines.append("\(step) forgot \(forgotten)")
            default:
                if burst.left == 0, random.below(25) == 0 { burst = (random.below(14), 4 + random.below(7)) }
                let bursting = burst.left > 0
                let client = bursting ? burst.client : random.below(14)
                var action: StatusAction = [.connect, .disconnect, .disconnect, .failedConnect, .failedConnect][
                    random.below(5)
                ]
                if bursting {
                    action = burst.left % 2 == 0 ? .disconnect : .connect
                    burst.left -= 1
                }
                var time = now - random.within(0...2_000)
                let previous = lastTime[client] ?? time
                switch random.below(14) {
                case 0: time = previous - random.within(1...90_000)
                case 1: time = previous
                case 2: time = now - random.within(11 * minute...20 * minute)  // later than max_lateness
                default: break
                }
                lastTime[client] = max(previous, time)
                let initiators: [DisconnectInitiator] = [.server, .client, .network]
                let event = StatusEvent(
                    action: action,
                    clientID: id(client),
                    clientType: client % 5 == 4 ? .application : .device,
                    orgID: "org1",
                    typeID: client % 5 == 4 ? "" : (client % 3 == 0 ? "pump" : "meter"),
                    deviceID: client % 5 == 4 ? "" : "dev\(client)",
                    appID: client % 5 == 4 ? "app\(client)" : "",
                    time: time,
                    reasonCode: action == .connect ? nil : 100 + random.below(4),
                    reasonText: action == .connect
                        ? nil : ["kicked", "timed out", "bad password", "gone"][random.below(4)],
                    initiator: action == .disconnect ? initiators[random.below(3)] : nil,
                    protocolName: ["mqtt4", "mqtt5"][client % 2],
                    clientAddress: "10.0.\(client % 3).\(random.below(3))"
                )
                engine.handle(event, broker: brokers[client % 2], now: now, into: &changes)
            }
            flush(step)
        }
        now += 200 * minute
        engine.advance(to: now, into: &changes)
        flush(steps)
        let counters = engine.counters
        lines.append(
            "end clients \(engine.clientCount) firing \(engine.firingCount) pending \(engine.pendingCount) "
                + "events \(counters.events) outOfOrder \(counters.outOfOrder) takeovers \(counters.takeovers) "
                + "forgotten \(counters.forgotten) tooLate \(counters.tooLate) duplicates \(counters.duplicates)"
        )
        return lines
    }

    /// FNV-1a (64-bit) of the lines, each followed by a newline.
    static func digest(_ lines: [String]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for line in lines {
            for byte in line.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            hash = (hash ^ 0x0A) &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}

/// Draws for the replay's stream, from the generator's raw numbers (not the standard library's
/// `random(in:using:)`, whose use of them may change between Swift versions).
extension SeededGenerator {
    fileprivate mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    fileprivate mutating func within(_ range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
}
