// In-process benchmark of the hot path: Watson IoT payload decode + client state + rules, over a
// generated stream (`rounds` rounds of all `clients`; connects and disconnects alternate per round).
import ConnWatchCore
import Foundation

func runEngine(clients clientCount: Int, rounds: Int) {
    let start: Int64 = 1_790_000_000_000
    // One event per millisecond: a round of 100 000 clients spans 100 s, so a client that
    // disconnects reconnects 100 s later, inside the offline rule's 10 minutes — the common case
    // of a fleet with short outages. The last round leaves every client disconnected; advancing
    // the clock past `for` then fires one alert per client (measured separately).
    print("connwatch-bench: generating \(clientCount * rounds) Watson IoT status messages for \(clientCount) clients …")
    var messages: [(topic: String, payload: [UInt8], time: Int64)] = []
    messages.reserveCapacity(clientCount * rounds)
    for round in 0..<rounds {
        for client in 0..<clientCount {
            let time = start + Int64(round * clientCount + client)
            messages.append(
                (topic(client: client), payload(client: client, connect: round.isMultiple(of: 2), time: time), time)
            )
        }
    }
    let averageBytes = messages.reduce(0) { $0 + $1.payload.count } / max(messages.count, 1)
    print("  average payload \(averageBytes) bytes")

    let decoder = WatsonIoTDecoder()

    // 1. Decode only.
    var decoded = 0
    let decodeTime = ContinuousClock().measure {
        for message in messages {
            let ok = message.payload.withUnsafeBytes { bytes in
                (try? decoder.decode(topic: message.topic, payload: bytes, retained: false, receivedAt: message.time))
                    != nil
            }
            if ok { decoded += 1 }
        }
    }
    precondition(decoded == messages.count, "every generated message must decode")

    /// Runs the whole stream through `engine`; returns the number of alert changes.
    func run(_ engine: Engine) -> Int {
        var changes: [AlertChange] = []
        var total = 0
        for message in messages {
            message.payload.withUnsafeBytes { bytes in
                if case .event(let event)? = try? decoder.decode(
                    topic: message.topic,
                    payload: bytes,
                    retained: false,
                    receivedAt: message.time
                ) {
                    engine.handle(event, broker: "bench", now: message.time, into: &changes)
                }
            }
            engine.advance(to: message.time, into: &changes)
            total += changes.count
            changes.removeAll(keepingCapacity: true)
        }
        return total
    }

    // 2. Decode + state + offline rule.
    let rule = allRuleKinds.offlineRules[0]
    let engine = Engine(configuration: EngineConfiguration(offlineRules: [rule]), startTime: start)
    engine.keepsLogForStore = false
    var changeCount = 0
    let rssBefore = residentBytes()
    let engineTime = ContinuousClock().measure { changeCount = run(engine) }
    let rssAfter = residentBytes()

    // The alert path: every client is offline now; 10 minutes later all their alerts fire at once.
    var changes: [AlertChange] = []
    let lastTime = messages[messages.count - 1].time
    let fireTime = ContinuousClock().measure {
        engine.advance(to: lastTime + 600_001 + Int64(clientCount), into: &changes)
    }
    let storm = changes.count
    changes.removeAll()

    // 2b. The same stream with every rule kind enabled at once.
    let fullEngine = Engine(configuration: allRuleKinds, startTime: start)
    fullEngine.keepsLogForStore = false
    var fullChanges = 0
    let fullTime = ContinuousClock().measure { fullChanges = run(fullEngine) }

    // 3. For comparison: Foundation's JSONDecoder into a struct plus a dictionary update.
    struct WatsonStatus: Decodable {
        var Action: String
        var Time: String
        var ClientID: String
        var CloseCode: Int?
        var Reason: String?
    }
    let jsonDecoder = JSONDecoder()
    var table: [String: (String, String)] = [:]
    let sample = messages.prefix(200_000)
    let foundationTime = ContinuousClock().measure {
        for message in sample {
            if let status = try? jsonDecoder.decode(WatsonStatus.self, from: Data(message.payload)) {
                table[status.ClientID] = (status.Action, status.Time)
            }
        }
    }

    func rate(_ count: Int, _ duration: Duration) -> String {
        let perSecond = Double(count) / seconds(duration)
        return String(format: "%10.0f events/s  %7.1f ns/event", perSecond, 1e9 / perSecond)
    }

    let fullRate = Double(messages.count) / seconds(fullTime)
    let foundationRate = Double(sample.count) / seconds(foundationTime)
    print("")
    print("results (\(ProcessInfo.processInfo.activeProcessorCount) cores, one used):")
    print("  decode only (byte-level Watson decoder)     \(rate(messages.count, decodeTime))")
    print("  decode + state + offline rule (engine)      \(rate(messages.count, engineTime))")
    print("  decode + state + all six rule kinds         \(rate(messages.count, fullTime))")
    print("  Foundation JSONDecoder + dictionary update  \(rate(sample.count, foundationTime))")
    print(String(format: "  all rule kinds / JSONDecoder                %10.1fx", fullRate / foundationRate))
    print(
        "  alert firing (label set, annotations, fingerprint) \(rate(storm, fireTime).replacingOccurrences(of: "events", with: "alerts").replacingOccurrences(of: "event", with: "alert"))"
    )
    print(
        "  alert changes: \(changeCount) during the stream (offline rule), \(fullChanges) (all kinds), \(storm) fired at the end; clients: \(engine.clientCount)"
    )
    print(
        "  engine memory: \((rssAfter - rssBefore) / clientCount) bytes per client (RSS growth over the run, offline rule)"
    )
    print("  peak RSS of the process: \(peakResidentBytes() / 1_048_576) MiB (includes the generated messages)")
    figure("decode_per_s", Double(messages.count) / seconds(decodeTime))
    figure("engine_offline_per_s", Double(messages.count) / seconds(engineTime))
    figure("engine_all_kinds_per_s", fullRate)
    figure("foundation_per_s", foundationRate)
    figure("alert_firing_per_s", Double(storm) / seconds(fireTime))
}
