// API pages: what one page of `GET /api/v0002/clientconnectionstates` costs with a small and a
// large fleet, read from the store as the daemon answers it, next to the in-memory copy-and-sort
// the daemon used to run on its loop.
import ConnWatchCore
import ConnWatchRuntime
import Foundation

/// `api DIR CLIENTS`: fills `DIR`'s store with CLIENTS clients (half offline) unless it holds them
/// (`api_<CLIENTS>_fill_s`), then times 50-row pages: plain, `connectionStatus=disconnected`, and
/// each one page deep (with a bookmark), the offline and the connected clients newest first, and
/// the whole load of the console's fleet page; the medians go out as
/// `figure api_<CLIENTS>_<case>_ms`. The in-memory query over the same clients is timed as the
/// baseline (`api_<CLIENTS>_memory_ms`).
func runAPIPages(directory: String, clients: Int) {
    let start: Int64 = 1_790_000_000_000
    let store: StateStore
    let all: [ClientState]
    do {
        (store, all) = try filledStore(directory: directory, clients: clients, at: start)
    } catch {
        print("api: \(error)")
        exit(1)
    }
    func query(_ status: ConnectionStatus?) -> ClientStateQuery {
        var query = ClientStateQuery()
        query.limit = 50
        query.connectionStatus = status
        return query
    }
    print("  \(clients) clients in the store")
    for (name, status) in [("plain", nil), ("disconnected", ConnectionStatus.disconnected)] {
        var first = query(status)
        let firstMs = medianMs(101) { _ = try store.clientPage(first) }
        let bookmark = (try? store.clientPage(first))?.bookmark
        first.after = bookmark
        let nextMs = medianMs(101) { _ = try store.clientPage(first) }
        print(
            "  store page, \(name): first \(String(format: "%.3f", firstMs)) ms, "
                + "second \(String(format: "%.3f", nextMs)) ms"
        )
        figure("api_\(clients)_\(name)_ms", firstMs)
        figure("api_\(clients)_\(name)_next_ms", nextMs)
    }
    // The web console's fleet page lists each status newest first: the offline clients by disconnect
    // time, the connected ones by connect time, each read through an index of its own.
    let runs = clients > 100_000 ? 21 : 101
    for (name, status, sort) in [
        ("newest", ConnectionStatus.disconnected, ClientStateQuery.SortKey.lastDisconnectTime),
        ("connected_newest", .connected, .lastConnectTime),
    ] {
        var newest = query(status)
        newest.sort = sort
        newest.descending = true
        let firstMs = medianMs(runs) { _ = try store.clientPage(newest) }
        newest.after = (try? store.clientPage(newest))?.bookmark
        let nextMs = medianMs(runs) { _ = try store.clientPage(newest) }
        print(
            "  store page, \(status.label) newest first: first \(String(format: "%.3f", firstMs)) ms, "
                + "second \(String(format: "%.3f", nextMs)) ms"
        )
        figure("api_\(clients)_\(name)_ms", firstMs)
        figure("api_\(clients)_\(name)_next_ms", nextMs)
    }
    let engine = Engine(configuration: EngineConfiguration(), startTime: start)
    engine.keepsLogForStore = false
    var changes: [AlertChange] = []
    engine.restore(clients: all, counters: [], notified: [], now: start, into: &changes)
    let countsMs = medianMs(clients > 100_000 ? 5 : 21) { _ = FleetCountsJSON.render(engine.fleetCounts) }
    print("  fleet counts (GET /api/v1/fleet, from the fleet tally): \(String(format: "%.3f", countsMs)) ms")
    figure("api_\(clients)_fleet_counts_ms", countsMs)
    // The fleet page's whole load, next to the same at 1 000 clients.
    let loadMs = FleetPageLoad(store: store, engine: engine).medianLoadMs(clients: clients)
    var line = "  the fleet page's requests on load (files, counts, first page): \(String(format: "%.3f", loadMs)) ms"
    figure("api_\(clients)_fleet_page_ms", loadMs)
    if clients != FleetPageLoad.baselineClients, let baselineMs = FleetPageLoad.baselineMs(at: start) {
        line += "; at \(FleetPageLoad.baselineClients) clients \(String(format: "%.3f", baselineMs)) ms, "
        line += "ratio \(String(format: "%.2f", loadMs / baselineMs))"
        figure("api_\(clients)_fleet_page_ratio", loadMs / baselineMs)
    }
    print(line)
    // GET /api/v1/alerts with a rule holding every client pending (no connect for a day): the
    // listing builds its first 1000 alerts, where it used to build one per pending client.
    let pendingEngine = Engine(
        configuration: EngineConfiguration(
            offlineRules: [OfflineRule(name: "no_connect", forDuration: 86_400_000, condition: .noConnect)]
        ),
        startTime: start
    )
    pendingEngine.restore(clients: all, counters: [], notified: [], now: start, into: &changes)
    let listingMs = medianMs(clients > 100_000 ? 5 : 21) {
        _ = (pendingEngine.firingAlerts, pendingEngine.pendingAlerts(at: start, limit: 1_000))
        _ = (pendingEngine.pendingCount, pendingEngine.heldBackAlerts)
    }
    let clientMs = medianMs(21) { _ = pendingEngine.alerts(ofClient: all[all.count / 2].clientID, at: start) }
    let everyMs = medianMs(1) { _ = pendingEngine.pendingAlerts(at: start) }
    print(
        "  alerts with every client pending: first 1000 \(String(format: "%.3f", listingMs)) ms, one client's "
            + "\(String(format: "%.3f", clientMs)) ms, every pending alert \(String(format: "%.1f", everyMs)) ms"
    )
    figure("api_\(clients)_alerts_listing_ms", listingMs)
    figure("api_\(clients)_alerts_client_ms", clientMs)
    figure("api_\(clients)_alerts_every_pending_ms", everyMs)
    // The connection log by type and device id (the platform's typeId/deviceId): a known device
    // through its client id, an unknown one by a pass over the table.
    let middle = all[all.count / 2]
    let deviceHitMs = medianMs(21) { _ = engine.client(typeID: middle.typeID, deviceID: middle.deviceID) }
    let deviceMissMs = medianMs(clients > 100_000 ? 5 : 21) { _ = engine.client(typeID: "none", deviceID: "none") }
    print(
        "  a client by type and device id: known \(String(format: "%.4f", deviceHitMs)) ms, "
            + "unknown (a pass) \(String(format: "%.3f", deviceMissMs)) ms"
    )
    figure("api_\(clients)_device_hit_ms", deviceHitMs)
    figure("api_\(clients)_device_miss_ms", deviceMissMs)
    let memoryMs = medianMs(clients > 100_000 ? 3 : 21) { _ = query(.disconnected).run(over: all) }
    print("  in-memory copy-and-sort (the earlier loop path), disconnected: \(String(format: "%.3f", memoryMs)) ms")
    figure("api_\(clients)_memory_ms", memoryMs)
}

/// The store in `directory`, filled with `clients` clients (half offline) unless it holds that
/// many already (the fill's time goes out as `api_<clients>_fill_s` when `report`), and its clients.
func filledStore(
    directory: String,
    clients: Int,
    at start: Int64,
    report: Bool = true
) throws -> (StateStore, [ClientState]) {
    let store = try StateStore(directory: directory)
    var saved = try store.loadState(now: start).clients
    if saved.count != clients {
        let fillStart = ContinuousClock.now
        var batch = StateBatch()
        for client in 0..<clients {
            let (state, log) = restartClientAndLog(client, at: start)
            batch.clients[state.clientID] = state
            batch.log[state.clientID] = log
            if batch.clients.count == 50_000 || client == clients - 1 {
                try store.write(batch)
                batch = StateBatch()
            }
        }
        let fill = seconds(ContinuousClock.now - fillStart)
        if report {
            print("  filled the store with \(clients) clients in \(String(format: "%.2f", fill)) s")
            figure("api_\(clients)_fill_s", fill)
        }
        saved = try store.loadState(now: start).clients
    }
    return (store, saved)
}

/// The median of `runs` timings of `body`, in milliseconds.
func medianMs(_ runs: Int, _ body: () throws -> Void) -> Double {
    let clock = ContinuousClock()
    var times: [Double] = []
    for _ in 0..<runs {
        let elapsed = clock.measure { try? body() }
        times.append(seconds(elapsed) * 1000)
    }
    return times.sorted()[times.count / 2]
}
