// The web console's fleet page as it loads: every request it makes, answered as the daemon
// answers them, timed together.
import ConnWatchCore
import ConnWatchRuntime
import Foundation

/// The requests a fresh load of the console's fleet page makes (see `ConsoleScript+Fleet.swift`):
/// the page, its script and style sheet, `GET /api/v1/fleet` and the first page of the offline
/// clients newest first, 50 rows. Each is answered as the daemon does: the files as they are
/// served, the counts from the engine's fleet tally, the client page parsed from its query
/// string, read from the store and rendered as JSON. HTTP and the browser are left out: their
/// share does not depend on the fleet's size.
struct FleetPageLoad {
    /// The client page's query string, as the page sends it.
    static let clientPageQuery = "connectionStatus=disconnected&_sort=-lastDisconnectTime&_limit=50"
    /// The fleet size a load is compared with.
    static let baselineClients = 1_000

    let store: StateStore
    let engine: Engine

    /// The median load in milliseconds with `clients` clients in the store and the engine.
    func medianLoadMs(clients: Int) -> Double {
        medianMs(clients > 100_000 ? 11 : 101) { _ = try load() }
    }

    /// The median load with `baselineClients` clients, in a store filled for it in a temporary
    /// directory (removed after); `nil` if that store cannot be made.
    static func baselineMs(at start: Int64) -> Double? {
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
        engine.keepsLogForStore = false
        var changes: [AlertChange] = []
        engine.restore(clients: all, counters: [], notified: [], now: start, into: &changes)
        return FleetPageLoad(store: store, engine: engine).medianLoadMs(clients: baselineClients)
    }

    /// One load; the bytes of every answer, so that nothing is optimized away and a broken request
    /// shows.
    func load() throws -> Int {
        var bytes = 0
        for asset in [ConsoleAsset.page, .script, .style] { bytes += asset.response.body.count }
        bytes += FleetCountsJSON.render(engine.fleetCounts).body.count
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
