import ConnWatchRuntime

/// One event and when it arrived.
struct TimedEvent: Sendable {
    let at: ContinuousClock.Instant
    let event: MQTTEvent

    var isConnected: Bool {
        if case .connected = event { return true }
        return false
    }
}

extension Array where Element == TimedEvent {
    /// The failure reports, with when they came and whether they were a loss after connecting.
    var reports: [(at: ContinuousClock.Instant, report: MQTTConnectFailure, lost: Bool)] {
        compactMap {
            switch $0.event {
            case .connectFailed(let report): ($0.at, report, false)
            case .disconnected(let report): ($0.at, report, true)
            default: nil
            }
        }
    }
}
