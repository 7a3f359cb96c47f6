// The generated Watson IoT workload and helpers shared by the benchmark modes.
import ConnWatchCore
import Foundation

/// An integer from the environment, or `fallback`.
func environmentInt(_ name: String, _ fallback: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
}

/// One Watson IoT status payload (about 270 bytes for a disconnect, 190 for a connect).
func payload(client: Int, connect: Bool, time: Int64) -> [UInt8] {
    payload(client: client, connect: connect, stamp: Timestamp.formatISO8601(milliseconds: time))
}

/// One Watson IoT status payload with the `Time` text given (formatting a time per message is slow).
func payload(client: Int, connect: Bool, stamp: String) -> [UInt8] {
    let id = "s-\(client)"
    let text: String
    if connect {
        text =
            #"{"Action":"Connect","Time":"\#(stamp)","ClientAddr":"203.0.113.17","ClientID":"d:abc123:sensor:\#(id)","Port":8883,"Secure":true,"Protocol":"mqtt4","User":"use-token-auth"}"#
    } else {
        text =
            #"{"Action":"Disconnect","Time":"\#(stamp)","ClientAddr":"203.0.113.17","ClientID":"d:abc123:sensor:\#(id)","Port":8883,"Secure":true,"Protocol":"mqtt4","User":"use-token-auth","ConnectTime":"2026-09-30T10:00:00.000Z","CloseCode":160,"Reason":"The connection timed out","ReadBytes":51234,"ReadMsg":812,"WriteBytes":96,"WriteMsg":3}"#
    }
    return Array(text.utf8)
}

/// The topic of a client's status messages.
func topic(client: Int) -> String { "iot-2/type/sensor/id/s-\(client)/mon" }

/// The process's resident set size now.
func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = statm.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The process's peak resident set size so far.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

/// CPU time (user + system) of this process so far, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Prints a machine-readable figure (`figure NAME VALUE`) that `scripts/bench.sh` collects.
func figure(_ name: String, _ value: Double) {
    print(String(format: "figure %@ %.3f", name, value))
}

/// Every rule kind at once: offline, inactive, disconnects, failed_connects, flapping, fleet_offline.
let allRuleKinds = EngineConfiguration(
    offlineRules: [
        OfflineRule(
            name: "sensor_offline",
            match: ClientMatcher([(.clientType, [Glob("device")])]),
            forDuration: 600_000
        ),
        OfflineRule(name: "no_connect", forDuration: 86_400_000, condition: .noConnect),
    ],
    countingRules: [
        CountingRule(name: "network_drops", kind: .disconnects, count: 5, window: 900_000, initiators: [.network]),
        CountingRule(name: "failed_logins", kind: .failedConnects, count: 5, window: 600_000, grouping: .address),
        CountingRule(name: "flapping", kind: .flapping, count: 20, window: 600_000),
    ],
    fleetRules: [FleetRule(name: "type_outage", groupBy: .typeID, ratio: 0.9, minClients: 10)]
)
