import ConnWatchCore
import Logging

/// The journal lines about what the engine did that no alert tells: events too late to count
/// and clients forgotten.
extension DaemonLoop {
    /// Events too late to count: one journal line naming one of them every ten seconds at most,
    /// with how many were held back since the last line (`connwatch_events_too_late_total` counts
    /// them all).
    func logLate(_ late: (events: [LateEvent], more: Int), now: Int64) {
        let limit = DurationText.format(milliseconds: config.defaults.maxLateness)
        for event in late.events {
            guard let heldBack = lateEvents.record(now: now) else { continue }
            let lateness = DurationText.format(milliseconds: event.arrivedAt - event.time)
            logger.warning(
                "event too late to count: it arrived \(lateness) after it happened, more than max_lateness \(limit)",
                metadata: [
                    "client_id": "\(event.clientID)", "action": "\(event.action)",
                    "event_time": "\(Timestamp.formatISO8601(milliseconds: event.time))",
                    "rules": "\(event.rules.joined(separator: ","))", "suppressed": "\(heldBack)",
                ]
            )
        }
        lateEvents.hold(late.more)
    }

    /// One journal line per forgotten client (at most 20 per write, then one line with the rest's count).
    func logForgotten(_ forgotten: [ForgottenClient]) {
        for client in forgotten.prefix(20) {
            logger.notice(
                "client forgotten",
                metadata: ["client_id": "\(client.clientID)", "reason": "\(client.reason)"]
            )
        }
        if forgotten.count > 20 {
            logger.notice(
                "\(forgotten.count - 20) more clients forgotten",
                metadata: ["reason": "\(forgotten[20].reason)"]
            )
        }
    }
}
