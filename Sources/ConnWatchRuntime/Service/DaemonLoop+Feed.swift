import ConnWatchCore
import Dispatch
import Foundation
import Logging
import Synchronization

/// The broker feeds' side of the loop: messages and connection events from the inbox, decoded
/// and handed to the engine, and the journal lines about them.
extension DaemonLoop {

    /// Handles what the broker clients left in the inbox (a bounded batch), in order; returns how
    /// many items that was. Each message is handled at its own "now", after the deadlines due by
    /// then, as if it had come alone.
    @discardableResult
    func handleFeedInbox() -> Int {
        inbox.take(into: &inboxBuffer)
        defer { inboxBuffer.removeAll(keepingCapacity: true) }
        for item in inboxBuffer {
            let now = clock.now()
            if let deadline = engine.nextDeadline, deadline <= now { engine.advance(to: now, into: &changes) }
            switch item.event {
            case .message(let message):
                handleMessage(message, broker: item.broker, now: now)
            case .connected, .disconnected, .connectFailed:
                handleFeedEvent(item.event, broker: item.broker, now: now)
            }
        }
        return inboxBuffer.count
    }

    func handleFeedEvent(_ event: MQTTEvent, broker: String, now: Int64) {
        if let position = brokers.firstIndex(where: { $0.config.name == broker }) {
            _ = brokers[position].connection.apply(event, at: now)
        }
        switch event {
        case .connected: engine.feedUp(broker, at: now, into: &changes)
        case .disconnected(_, let reason), .connectFailed(_, let reason):
            engine.feedDown(broker, reason: reason, at: now)
        case .message: break
        }
        logFeedEvent(event, broker: broker)
        notifier.status(statusLine())
    }

    func handleMessage(_ message: MQTTMessage, broker: String, now: Int64) {
        guard let feed = brokers.first(where: { $0.config.name == broker }) else { return }
        do {
            switch try feed.decoder.decode(message) {
            case .event(let event):
                engine.handle(event, broker: broker, now: now, into: &changes)
                logger.debug(
                    "status event",
                    metadata: [
                        "broker": "\(broker)", "client_id": "\(event.clientID)",
                        "action": "\(event.action.name)", "retained": "\(event.retained)",
                    ]
                )
            case .topicCleared(let topic):
                logger.debug("retained status cleared", metadata: ["broker": "\(broker)", "topic": "\(topic)"])
            }
        } catch {
            if let suppressed = decodeErrors.record(now: now) {
                logger.warning(
                    "undecodable status message skipped: \(error)",
                    metadata: [
                        "broker": "\(broker)", "topic": "\(message.topic)",
                        "subscription": "\(feed.decoder.subscriptionLabel(for: message.topic) ?? "none")",
                        "kind": "\(error.code == .unknownTopic ? "unknown_topic" : "undecodable")",
                        "bytes": "\(message.payload.count)", "suppressed": "\(suppressed)",
                    ]
                )
            }
        }
    }

    func announce(_ change: AlertChange) {
        let alert = change.alert
        var metadata: Logger.Metadata = [
            "rule": "\(alert.rule)", "alert_fingerprint": "\(alert.fingerprint)",
            "alert_state": "\(alert.state.rawValue)",
        ]
        if let client = alert.labels["client_id"] { metadata["client_id"] = "\(client)" }
        let summary = alert.annotations["summary"] ?? alert.rule
        logger.notice("alert \(alert.state.rawValue): \(summary)", metadata: metadata)
    }

    func logFeedEvent(_ event: MQTTEvent, broker: String) {
        switch event {
        case .connected(let sessionPresent):
            logger.notice(
                "broker connected",
                metadata: ["broker": "\(broker)", "session_present": "\(sessionPresent)"]
            )
        case .connectFailed(let code, let reason):
            logger.error(
                "broker refused the connection: \(reason)",
                metadata: ["broker": "\(broker)", "code": "\(code)"]
            )
        case .disconnected(let code, let reason):
            logger.warning(
                "broker connection lost: \(reason); reconnecting",
                metadata: ["broker": "\(broker)", "code": "\(code)"]
            )
        case .message:
            break
        }
    }

    /// Logs (once per jump) when the wall clock moved away from the daemon's own time by more
    /// than two seconds: timers keep real elapsed time; times shown stay on the start's clock.
    func checkWallClock() {
        let skew = clock.skew()
        let moved = skew - reportedSkew
        guard abs(moved) > 2000 else { return }
        reportedSkew = skew
        let direction = moved > 0 ? "forward" : "back"
        let distance = DurationText.format(milliseconds: abs(moved))
        logger.warning(
            "the wall clock moved \(direction) by \(distance); rules keep measuring real elapsed time",
            metadata: ["skew_ms": "\(skew)"]
        )
    }

    func statusLine() -> String {
        let connected = brokers.filter { $0.client.isConnected }.count
        return
            "\(engine.clientCount) clients, \(engine.disconnectedCount) offline, \(engine.firingCount) alerts firing, "
            + "\(connected)/\(brokers.count) brokers connected"
    }
}
