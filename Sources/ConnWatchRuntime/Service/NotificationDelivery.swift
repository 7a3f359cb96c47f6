import ConnWatchCore
import Logging

/// Posts notifications to their receivers: one FIFO worker per receiver (so a resolved message
/// never overtakes its firing one), each retrying by the `RetryPolicy`.
final class NotificationDelivery: Sendable {
    /// A receiver with its URL resolved.
    struct Target: Sendable {
        var name: String
        var url: String
        var headers: [HTTPHeader]
        var timeout: Duration
        var policy: RetryPolicy

        /// Scheme and host only: webhook URLs carry secrets in their path.
        var redactedURL: String { RedactedURL.describe(url) }
    }

    private let continuations: [String: AsyncStream<Notification>.Continuation]
    private let workers: [Task<Void, Never>]

    init(targets: [Target], http: CurlHTTPClient, logger: Logger, externalURL: String) {
        var continuations: [String: AsyncStream<Notification>.Continuation] = [:]
        var workers: [Task<Void, Never>] = []
        for target in targets {
            let (stream, continuation) = AsyncStream.makeStream(of: Notification.self, bufferingPolicy: .unbounded)
            continuations[target.name] = continuation
            workers.append(
                Task {
                    for await notification in stream {
                        await Self.deliver(
                            notification,
                            to: target,
                            http: http,
                            logger: logger,
                            externalURL: externalURL
                        )
                    }
                }
            )
        }
        self.continuations = continuations
        self.workers = workers
    }

    func enqueue(_ notification: Notification) {
        continuations[notification.receiver]?.yield(notification)
    }

    /// Stops taking notifications and waits for queued ones, at most `timeout`; then cancels the rest.
    func finish(timeout: Duration) async {
        for continuation in continuations.values { continuation.finish() }
        let workers = self.workers
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for worker in workers { await worker.value }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                for worker in workers { worker.cancel() }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private static func deliver(
        _ notification: Notification,
        to target: Target,
        http: CurlHTTPClient,
        logger: Logger,
        externalURL: String
    ) async {
        let body = AlertmanagerWebhookPayload.render(notification, externalURL: externalURL)
        var headers = [
            HTTPHeader(name: "Content-Type", value: "application/json"),
            HTTPHeader(name: "webhook-id", value: notification.id),
        ]
        headers.append(contentsOf: target.headers)
        let request = HTTPRequest(url: target.url, headers: headers, body: body, timeout: target.timeout)
        var metadata: Logger.Metadata = [
            "receiver": "\(target.name)",
            "notification_id": "\(notification.id)",
            "endpoint": "\(target.redactedURL)",
            "status": "\(notification.status.rawValue)",
        ]
        if let alert = notification.alerts.first {
            metadata["alert_fingerprint"] = "\(alert.fingerprint)"
            metadata["rule"] = "\(alert.rule)"
            if let client = alert.labels["client_id"] { metadata["client_id"] = "\(client)" }
        }
        let started = ContinuousClock.now
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            var status: Int?
            var retryAfter: String?
            var transportError: String?
            do {
                let response = try await http.send(request)
                status = response.status
                retryAfter = response.header("Retry-After")
            } catch {
                transportError = error.description
            }
            let elapsed = started.duration(to: .now)
            let decision = target.policy.decide(
                status: status,
                retryAfter: retryAfter,
                transportError: transportError,
                attempt: attempt,
                elapsed: elapsed.milliseconds,
                random: Double.random(in: 0..<1)
            )
            metadata["attempt"] = "\(attempt)"
            switch decision {
            case .delivered:
                logger.info("notification delivered", metadata: metadata)
                return
            case .retry(let delay, let reason):
                metadata["reason"] = "\(reason)"
                logger.warning(
                    "notification not delivered, retrying in \(DurationText.format(milliseconds: delay))",
                    metadata: metadata
                )
                try? await Task.sleep(for: .milliseconds(delay))
            case .giveUp(let reason):
                metadata["reason"] = "\(reason)"
                logger.error("notification dropped: \(reason)", metadata: metadata)
                return
            }
        }
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}

/// Shows where a URL points without the secrets in its path, query or user info.
public enum RedactedURL {
    public static func describe(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return "…" }
        let afterScheme = url[schemeEnd.upperBound...]
        var host = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        return "\(url[..<schemeEnd.upperBound])\(host)/…"
    }
}
