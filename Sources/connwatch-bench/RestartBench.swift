// Restart: how long a daemon needs to bring back CLIENTS clients from the store.
import ConnWatchCore
import ConnWatchRuntime
import Foundation

/// Fills `directory`'s store with `clients` clients (half of them offline, two log entries each)
/// and `savedFiringAlerts` notified `sensor_offline` alerts unless it holds them already, then
/// measures opening the store, reading the state and restoring the engine, as a start does.
func runRestart(directory: String, clients: Int) {
    let start: Int64 = 1_790_000_000_000
    do {
        let store = try StateStore(directory: directory)
        let existing = try store.loadState(now: start)
        if existing.alerts.count != min(savedFiringAlerts, clients / 2) {
            var batch = StateBatch()
            for alert in firingAlerts(clients: clients, at: start) { batch.alerts[alert.fingerprint] = alert }
            try store.write(batch)
        }
        if existing.clients.count != clients {
            let fill = ContinuousClock().measure {
                var batch = StateBatch()
                for client in 0..<clients {
                    let (state, log) = restartClientAndLog(client, at: start)
                    batch.clients[state.clientID] = state
                    batch.log[state.clientID] = log
                    if batch.clients.count == 50_000 || client == clients - 1 {
                        try? store.write(batch)
                        batch = StateBatch()
                    }
                }
            }
            print("  store filled with \(clients) clients in \(String(format: "%.1f", seconds(fill))) s")
        }
    } catch {
        print("restart: \(error)")
        exit(1)
    }
    let clock = ContinuousClock()
    let began = clock.now
    let saved: SavedState
    do {
        let store = try StateStore(directory: directory)
        saved = try store.loadState(now: start + 60_000)
    } catch {
        print("restart: \(error)")
        exit(1)
    }
    let loaded = clock.now
    let engine = Engine(configuration: allRuleKinds, startTime: start + 60_000)
    engine.keepsLogForStore = false
    var changes: [AlertChange] = []
    engine.restore(
        clients: saved.clients,
        counters: saved.counters,
        notified: saved.alerts,
        now: start + 60_000,
        into: &changes
    )
    let restored = clock.now
    precondition(engine.clientCount == clients, "every client must be restored")
    precondition(
        saved.alerts.count == min(savedFiringAlerts, clients / 2) && engine.firingCount >= saved.alerts.count
            && !changes.contains(where: { $0.alert.state == .resolved }),
        "every saved alert must come back firing, none resolved"
    )
    // As `connwatch run` does it: reading and restoring side by side on two threads.
    let overlapped: Duration
    do {
        let store = try StateStore(directory: directory)
        let fresh = Engine(configuration: allRuleKinds, startTime: start + 60_000)
        fresh.keepsLogForStore = false
        overlapped = try clock.measure {
            _ = try store.restoreState(
                into: fresh,
                now: start + 60_000,
                changes: &changes
            )
        }
        precondition(fresh.clientCount == clients, "every client must be restored")
    } catch {
        print("restart: \(error)")
        exit(1)
    }
    let size =
        (try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(StateStore.fileName)")[.size] as? Int) ?? 0
    print(
        "  \(clients) clients: read \(String(format: "%.2f", seconds(began.duration(to: loaded)))) s, "
            + "engine restore \(String(format: "%.2f", seconds(loaded.duration(to: restored)))) s; "
            + "both overlapped (as the daemon does) \(String(format: "%.2f", seconds(overlapped))) s; "
            + "\(saved.alerts.count) saved firing alerts back; "
            + "database \(size / 1_048_576) MiB; RSS \(residentBytes() / 1_048_576) MiB"
    )
    figure("restart_overlapped_s", seconds(overlapped))
    figure("restart_read_s", seconds(began.duration(to: loaded)))
    figure("restart_restore_s", seconds(loaded.duration(to: restored)))
    figure("restart_database_mib", Double(size) / 1_048_576)
}

/// How many notified firing alerts the restart's store holds.
let savedFiringAlerts = 10_000

/// `sensor_offline` alerts (as the bench configuration the daemon restarts with fires them) of the
/// first offline clients: an engine restores them and lets their `for` pass.
func firingAlerts(clients: Int, at start: Int64) -> [Alert] {
    let config: ConnWatchConfig
    do {
        config = try ConfigLoader.load(text: benchConfig(port: 1883), file: "restart.yaml")
    } catch {
        print("restart: \(error)")
        exit(1)
    }
    let engine = Engine(configuration: config.engine, startTime: start - 86_400_000)
    engine.keepsLogForStore = false
    var changes: [AlertChange] = []
    let sample = (0..<min(clients, 2 * savedFiringAlerts)).map { restartClient($0, at: start) }
    engine.restore(clients: sample, counters: [], notified: [], now: start, into: &changes)
    engine.advance(to: start + 3_600_000, into: &changes)
    return Array(
        engine.firingAlerts.filter { $0.rule == "sensor_offline" }.sorted { $0.fingerprint < $1.fingerprint }
            .prefix(savedFiringAlerts)
    )
}

func restartClient(_ client: Int, at start: Int64) -> ClientState {
    restartClientAndLog(client, at: start).state
}

/// A saved client of the restart benchmarks, and its connection log (oldest first).
func restartClientAndLog(_ client: Int, at start: Int64) -> (state: ClientState, log: [ConnectionLogEntry]) {
    let device = "dev\(client)"
    let connect = StatusEvent(
        action: .connect,
        clientID: "d:bench1:type\(client % 50):\(device)",
        clientType: .device,
        orgID: "bench1",
        typeID: "type\(client % 50)",
        deviceID: device,
        time: start - 3_600_000,
        protocolName: "mqtt4",
        clientAddress: "10.0.\(client % 250).\(client % 200)"
    )
    var state = ClientState(event: connect, broker: "bench")
    var log = [ConnectionLogEntry(event: connect, applied: true)]
    state.status = .connected
    state.lastConnectTime = connect.time
    state.lastActivityEvent = .connect
    state.lastActivityTime = connect.time
    state.protocolName = "mqtt4"
    state.clientAddress = connect.clientAddress
    if client % 2 == 0 {
        var gone = connect
        gone.action = .disconnect
        gone.time = start - Int64(client % 600_000)
        gone.reasonCode = 160
        gone.reasonText = "The connection timed out"
        gone.cause = .keepAliveTimeout
        gone.initiator = .network
        state.status = .disconnected
        state.lastDisconnectTime = gone.time
        state.disconnectedBy = .network
        state.reasonCode = 160
        state.reasonText = gone.reasonText
        state.cause = .keepAliveTimeout
        state.lastActivityEvent = .disconnect
        state.lastActivityTime = gone.time
        log.append(ConnectionLogEntry(event: gone, applied: true))
    }
    state.summary = ConnectionSummary(log)
    return (state, log)
}
