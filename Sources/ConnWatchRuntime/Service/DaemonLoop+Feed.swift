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
        let position = brokers.firstIndex(where: { $0.config.name == broker })
        if let position { _ = brokers[position].connection.apply(event, at: now) }
        switch event {
        case .connected:
            if let position { brokers[position].failureLog.reset() }
            engine.feedUp(broker, at: now, into: &changes)
        case .disconnected(let report), .connectFailed(let report):
            engine.feedDown(broker, reason: report.reason, at: now)
            let suppressed = position.flatMap { brokers[$0].failureLog.record(report.failure, now: now) }
            if let suppressed {
                logFailure(report, lost: event.isLoss, broker: broker, suppressed: suppressed, now: now)
            }
        case .message: break
        }
        if case .connected(let sessionPresent) = event {
            logger.notice(
                "broker connected",
                metadata: ["broker": "\(broker)", "session_present": "\(sessionPresent)"]
            )
        }
        notifier.status(statusLine())
    }

    /// One journal line for a failed attempt or a lost connection: the class, the detail and when
    /// the next attempt is made.
    func logFailure(_ report: MQTTConnectFailure, lost: Bool, broker: String, suppressed: Int, now: Int64) {
        let delay = report.retryIn.components
        let delayMilliseconds = delay.seconds * 1000 + delay.attoseconds / 1_000_000_000_000_000
        let nextAttempt = Timestamp.formatISO8601(milliseconds: now + delayMilliseconds)
        var message =
            "\(lost ? "broker connection lost" : "broker connect failed") [\(report.failure.kind.rawValue)] "
            + "\(report.reason); next attempt in \(Self.seconds(delayMilliseconds)) at \(nextAttempt)"
        if suppressed > 0 { message += " (\(suppressed) identical failures not logged since the last line)" }
        let metadata: Logger.Metadata = [
            "broker": "\(broker)", "reason": "\(report.failure.kind.rawValue)", "code": "\(report.code)",
            "attempt": "\(report.attempt)", "retry_in_ms": "\(delayMilliseconds)", "next_attempt": "\(nextAttempt)",
            "suppressed": "\(suppressed)",
        ]
        if lost {
            logger.warning("\(message)", metadata: metadata)
        } else {
            logger.error("\(message)", metadata: metadata)
        }
    }

    /// `1.4s`, `0.05s`, `27s`.
    static func seconds(_ milliseconds: Int64) -> String {
        if milliseconds >= 10_000 { return "\(milliseconds / 1000)s" }
        let hundredths = (milliseconds + 5) / 10
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)s"
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

extension MQTTEvent {
    /// `true` for a connection lost after the broker had accepted it.
    var isLoss: Bool {
        if case .disconnected = self { return true }
        return false
    }
}
