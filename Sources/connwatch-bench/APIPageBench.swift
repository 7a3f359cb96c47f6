// API pages: what one page of `GET /api/v0002/clientconnectionstates` costs with a small and a
// large fleet, read from the store as the daemon answers it, next to the in-memory copy-and-sort
// the daemon used to run on its loop.
import ConnWatchCore
import ConnWatchRuntime
import Foundation

/// `api DIR CLIENTS`: fills `DIR`'s store with CLIENTS clients (half offline) unless it holds them,
/// then times 50-row pages: plain, `connectionStatus=disconnected`, and each one page deep (with a
/// bookmark); the medians go out as `figure api_<CLIENTS>_<case>_ms`. The in-memory query over the
/// same clients is timed as the baseline (`api_<CLIENTS>_memory_ms`).
func runAPIPages(directory: String, clients: Int) {
    let start: Int64 = 1_790_000_000_000
    let store: StateStore
    let all: [ClientState]
    do {
        store = try StateStore(directory: directory)
        var saved = try store.loadState(now: start).clients
        if saved.count != clients {
            var batch = StateBatch()
            for client in 0..<clients {
                let state = restartClient(client, at: start)
                batch.clients[state.clientID] = state
                if batch.clients.count == 50_000 || client == clients - 1 {
                    try store.write(batch)
                    batch = StateBatch()
                }
            }
            saved = try store.loadState(now: start).clients
        }
        all = saved
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
    let clock = ContinuousClock()
    func median(_ runs: Int, _ body: () throws -> Void) -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let elapsed = clock.measure { try? body() }
            times.append(seconds(elapsed) * 1000)
        }
        return times.sorted()[times.count / 2]
    }
    print("  \(clients) clients in the store")
    for (name, status) in [("plain", nil), ("disconnected", ConnectionStatus.disconnected)] {
        var first = query(status)
        let firstMs = median(101) { _ = try store.clientPage(first) }
        let bookmark = (try? store.clientPage(first))?.bookmark
        first.after = bookmark
        let nextMs = median(101) { _ = try store.clientPage(first) }
        print(
            "  store page, \(name): first \(String(format: "%.3f", firstMs)) ms, "
                + "second \(String(format: "%.3f", nextMs)) ms"
        )
        figure("api_\(clients)_\(name)_ms", firstMs)
        figure("api_\(clients)_\(name)_next_ms", nextMs)
    }
    // The web console's fleet page: its default order (newest disconnect first), which SQLite
    // sorts without an index, and the counts by broker and type, one pass over the engine's table.
    var newest = query(.disconnected)
    newest.sort = .lastDisconnectTime
    newest.descending = true
    let newestMs = median(clients > 100_000 ? 5 : 21) { _ = try store.clientPage(newest) }
    print("  store page, disconnected newest first (the console's fleet page): \(String(format: "%.3f", newestMs)) ms")
    figure("api_\(clients)_newest_ms", newestMs)
    let engine = Engine(configuration: EngineConfiguration(), startTime: start)
    var changes: [AlertChange] = []
    engine.restore(clients: all, counters: [], notified: [], now: start, into: &changes)
    let countsMs = median(clients > 100_000 ? 5 : 21) { _ = FleetCountsJSON.render(engine.fleetCounts) }
    print("  fleet counts (GET /api/v1/fleet, on the loop): \(String(format: "%.3f", countsMs)) ms")
    figure("api_\(clients)_fleet_counts_ms", countsMs)
    let memoryMs = median(clients > 100_000 ? 3 : 21) { _ = query(.disconnected).run(over: all) }
    print("  in-memory copy-and-sort (the earlier loop path), disconnected: \(String(format: "%.3f", memoryMs)) ms")
    figure("api_\(clients)_memory_ms", memoryMs)
}
