// The web console's fleet page as it loads: every request it makes, answered as the daemon
// answers them, timed together.
import ConnWatchCore
import ConnWatchRuntime
import Foundation

/// The requests a fresh load of the console's fleet page makes (see `ConsoleScript+Fleet.swift`):
/// the page, its script and style sheet, `GET /api/v1/fleet` and the first page of the offline
/// clients newest first, 50 rows. Each is answered as the daemon does: the files as they are
/// served, the counts by one pass over the engine's table, the client page parsed from its query
/// string, read from the store and rendered as JSON. The daemon keeps the counts for 5 s, so a
/// load is timed both ways: counting, and with the counts kept. HTTP and the browser are left
/// out: their share does not depend on the fleet's size.
struct FleetPageLoad {
    /// The client page's query string, as the page sends it.
    static let clientPageQuery = "connectionStatus=disconnected&_sort=-lastDisconnectTime&_limit=50"
    /// The fleet size a load is compared with.
    static let baselineClients = 1_000

    let store: StateStore
    let engine: Engine

    /// Median loads in milliseconds: counting the fleet, and with the counts kept.
    struct Timings {
        var counting: Double
        var countsKept: Double
    }

    /// The median loads with `clients` clients in the store and the engine.
    func timings(clients: Int) -> Timings {
        let runs = clients > 100_000 ? 11 : 101
        let counting = medianMs(runs) { _ = try load(keptCounts: nil) }
        let kept = engine.fleetCounts
        return Timings(counting: counting, countsKept: medianMs(runs) { _ = try load(keptCounts: kept) })
    }

    /// The median loads with `baselineClients` clients, in a store filled for it in a temporary
    /// directory (removed after); `nil` if that store cannot be made.
    static func baseline(at start: Int64) -> Timings? {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("connwatch-bench-fleet-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard
            let (store, all) = try? filledStore(
                directory: directory,
                clients: baselineClients,
                at: start,
                report: false
            )
        else {
            return nil
        }
        let engine = Engine(configuration: EngineConfiguration(), startTime: start)
        var changes: [AlertChange] = []
        engine.restore(clients: all, counters: [], notified: [], now: start, into: &changes)
        return FleetPageLoad(store: store, engine: engine).timings(clients: baselineClients)
    }

    /// One load; the bytes of every answer, so that nothing is optimized away and a broken request
    /// shows. `keptCounts`: the counts as the daemon keeps them, or `nil` to count.
    func load(keptCounts: [FleetCountsJSON.Group]?) throws -> Int {
        var bytes = 0
        for asset in [ConsoleAsset.page, .script, .style] { bytes += asset.response.body.count }
        bytes += FleetCountsJSON.render(keptCounts ?? engine.fleetCounts).body.count
        let query = try ClientStateQuery(try QueryParameters(parsing: Self.clientPageQuery))
        let page = ClientStateJSON.page(try store.clientPage(query))
        guard page.status == 200 else { throw FleetPageLoadError(status: page.status) }
        bytes += page.body.count
        return bytes
    }
}

/// A request of the fleet page was not answered 200.
struct FleetPageLoadError: Error {
    var status: Int
}
