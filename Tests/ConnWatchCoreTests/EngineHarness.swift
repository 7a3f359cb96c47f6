@testable import ConnWatchCore

/// A status event of device `type-id` (`d:org1:type:type-id`); a disconnect is the server's
/// (code 93, `serverShutdown`).
func deviceEvent(_ action: StatusAction, _ id: Int, type: String = "pump", at time: Int64) -> StatusEvent {
    StatusEvent(
        action: action,
        clientID: "d:org1:\(type):\(type)-\(id)",
        clientType: .device,
        orgID: "org1",
        typeID: type,
        deviceID: "\(type)-\(id)",
        time: time,
        reasonCode: action == .disconnect ? 93 : nil,
        cause: action == .disconnect ? .serverShutdown : nil,
        initiator: action == .disconnect ? .server : nil
    )
}

/// An engine fed one event at a time (each at its own time, followed by what came due by then),
/// collecting the alert changes.
final class EngineHarness {
    let engine: Engine
    var changes: [AlertChange] = []

    /// Starts at `startTime` (default: 2026-09-21T14:13:20Z, the engine tests' `t0`).
    init(_ configuration: EngineConfiguration, startTime: Int64 = 1_790_000_000_000) {
        engine = Engine(configuration: configuration, startTime: startTime)
    }

    func send(_ event: StatusEvent) {
        engine.handle(event, broker: "main", now: event.time, into: &changes)
        engine.advance(to: event.time, into: &changes)
    }

    func advance(to now: Int64) { engine.advance(to: now, into: &changes) }

    /// The changes collected since the last call.
    func take() -> [AlertChange] {
        defer { changes = [] }
        return changes
    }
}

extension Engine {
    /// The connection-log entries of `clientID` not yet handed to the store, oldest first, as
    /// many as the store keeps (`log_capacity`).
    func unsavedLog(of clientID: String) -> [ConnectionLogEntry] {
        Array(unsavedLog.lazy.filter { $0.clientID == clientID }.map(\.entry).suffix(configuration.logCapacity))
    }
}
