// Benchmark of connwatch's hot path: Watson IoT payload decode + client state + offline rule,
// over a generated stream for 100 000 clients. Release build: `make bench`.
import ConnWatchCore
import Foundation

let clientCount = 100_000
let rounds = 10
let start: Int64 = 1_790_000_000_000

/// Milliseconds between two consecutive events: one round of all clients spans 100 s, so a
/// client that disconnects reconnects 100 s later, inside the rule's 10 minutes — the common case
/// of a fleet with short outages. The last round leaves every client disconnected; advancing the
/// clock past `for` then fires one alert per client (measured separately).
let step: Int64 = 1

func payload(client: Int, round: Int, time: Int64) -> [UInt8] {
    let id = "s-\(client)"
    let stamp = Timestamp.formatISO8601(milliseconds: time)
    let text: String
    if round.isMultiple(of: 2) {
        text =
            #"{"Action":"Connect","Time":"\#(stamp)","ClientAddr":"203.0.113.17","ClientID":"d:abc123:sensor:\#(id)","Port":8883,"Secure":true,"Protocol":"mqtt4","User":"use-token-auth"}"#
    } else {
        text =
            #"{"Action":"Disconnect","Time":"\#(stamp)","ClientAddr":"203.0.113.17","ClientID":"d:abc123:sensor:\#(id)","Port":8883,"Secure":true,"Protocol":"mqtt4","User":"use-token-auth","ConnectTime":"2026-09-30T10:00:00.000Z","CloseCode":160,"Reason":"The connection timed out","ReadBytes":51234,"ReadMsg":812,"WriteBytes":96,"WriteMsg":3}"#
    }
    return Array(text.utf8)
}

func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = statm.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

print("connwatch-bench: generating \(clientCount * rounds) Watson IoT status messages for \(clientCount) clients …")
var messages: [(topic: String, payload: [UInt8], time: Int64)] = []
messages.reserveCapacity(clientCount * rounds)
for round in 0..<rounds {
    for client in 0..<clientCount {
        let time = start + Int64(round * clientCount + client) * step
        messages.append(
            ("iot-2/type/sensor/id/s-\(client)/mon", payload(client: client, round: round, time: time), time)
        )
    }
}
let averageBytes = messages.reduce(0) { $0 + $1.payload.count } / messages.count
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

// 2. Decode + state + offline rule (the engine's hot path).
let rule = OfflineRule(
    name: "sensor_offline",
    match: ClientMatcher([(.clientType, [Glob("device")])]),
    forDuration: 600_000
)
let engine = Engine(configuration: EngineConfiguration(offlineRules: [rule]), startTime: start)
var changes: [AlertChange] = []
var fired = 0
var resolved = 0
let rssBefore = residentBytes()
let engineTime = ContinuousClock().measure {
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
        if !changes.isEmpty {
            for change in changes {
                if change.alert.state == .firing { fired += 1 } else { resolved += 1 }
            }
            changes.removeAll(keepingCapacity: true)
        }
    }
}
let rssAfter = residentBytes()

// The alert path: every client is offline now; 10 minutes later all their alerts fire at once.
let lastTime = messages[messages.count - 1].time
let fireTime = ContinuousClock().measure {
    engine.advance(to: lastTime + 600_001 + Int64(clientCount) * step, into: &changes)
}
let storm = changes.count
changes.removeAll()

// 2b. The same stream with every rule kind enabled at once.
let allKinds = EngineConfiguration(
    offlineRules: [
        rule,
        OfflineRule(name: "no_connect", forDuration: 86_400_000, condition: .noConnect),
    ],
    countingRules: [
        CountingRule(name: "network_drops", kind: .disconnects, count: 5, window: 900_000, initiators: [.network]),
        CountingRule(name: "failed_logins", kind: .failedConnects, count: 5, window: 600_000, grouping: .address),
        CountingRule(name: "flapping", kind: .flapping, count: 20, window: 600_000),
    ],
    fleetRules: [FleetRule(name: "type_outage", groupBy: .typeID, ratio: 0.9, minClients: 10)]
)
let fullEngine = Engine(configuration: allKinds, startTime: start)
var fullChanges = 0
let fullTime = ContinuousClock().measure {
    for message in messages {
        message.payload.withUnsafeBytes { bytes in
            if case .event(let event)? = try? decoder.decode(
                topic: message.topic,
                payload: bytes,
                retained: false,
                receivedAt: message.time
            ) {
                fullEngine.handle(event, broker: "bench", now: message.time, into: &changes)
            }
        }
        fullEngine.advance(to: message.time, into: &changes)
        fullChanges += changes.count
        changes.removeAll(keepingCapacity: true)
    }
}

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

let engineRate = Double(messages.count) / seconds(engineTime)
let foundationRate = Double(sample.count) / seconds(foundationTime)
print("")
print("results (\(ProcessInfo.processInfo.activeProcessorCount) cores, one used):")
print("  decode only (byte-level Watson decoder)     \(rate(messages.count, decodeTime))")
print("  decode + state + offline rule (engine)      \(rate(messages.count, engineTime))")
print("  decode + state + all six rule kinds         \(rate(messages.count, fullTime))")
print("  Foundation JSONDecoder + dictionary update  \(rate(sample.count, foundationTime))")
print(String(format: "  engine / JSONDecoder                        %10.1fx", engineRate / foundationRate))
print(
    "  alert firing (label set, annotations, fingerprint) \(rate(storm, fireTime).replacingOccurrences(of: "events", with: "alerts").replacingOccurrences(of: "event", with: "alert"))"
)
print(
    "  alerts: \(fired) fired and \(resolved) resolved during the stream, \(storm) fired at the end; clients: \(engine.clientCount)"
)
print("  engine memory: \((rssAfter - rssBefore) / clientCount) bytes per client (RSS growth over the run)")
print("  peak RSS of the process: \(peakResidentBytes() / 1_048_576) MiB (includes the generated messages)")
