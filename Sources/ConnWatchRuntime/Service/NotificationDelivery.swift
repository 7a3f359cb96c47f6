import ConnWatchCore
import Dispatch
import Foundation
import Logging
import Synchronization

/// Delivers notifications through the durable outbox: `enqueue` renders each notification for its
/// receiver and writes it to SQLite; one worker per receiver posts the oldest pending entry, retries
/// by the `RetryPolicy` and removes the entry only after success or a permanent failure. A restart
/// picks up whatever is pending. Each request carries the notification id as `webhook-id`.
final class NotificationDelivery: Sendable {
    private let targets: [String: DeliveryTarget]
    /// The targets of each receiver: one, or one per peer of an Alertmanager cluster.
    private let targetsOfReceiver: [String: [DeliveryTarget]]
    private let store: StateStore
    private let http: CurlHTTPClient
    private let logger: Logger
    private let externalURL: String
    private let limiter = RateLimiter()
    private let wakeups: [String: AsyncStream<Void>.Continuation]
    private let workers: Mutex<[Task<Void, Never>]> = Mutex([])
    /// Receivers that answered 410 Gone: disabled until the next reload.
    private let disabled = Mutex<Set<String>>([])
    /// Delivered and dropped notifications, for `/metrics`.
    private let stats: DeliveryStats

    init(
        targets: [DeliveryTarget],
        store: StateStore,
        http: CurlHTTPClient,
        logger: Logger,
        externalURL: String,
        stats: DeliveryStats = .process
    ) {
        self.stats = stats
        self.targets = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.targetsOfReceiver = Dictionary(grouping: targets, by: \.receiver.name)
        self.store = store
        self.http = http
        self.logger = logger
        self.externalURL = externalURL
        var wakeups: [String: AsyncStream<Void>.Continuation] = [:]
        var streams: [(DeliveryTarget, AsyncStream<Void>)] = []
        for target in targets {
            let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            wakeups[target.name] = continuation
            streams.append((target, stream))
            continuation.yield()  // look at what an earlier run left pending
        }
        self.wakeups = wakeups
        let names = targets.map(\.name)
        DispatchQueue.global().async { [store, logger] in
            if let dropped = try? store.removeEntries(notFor: names), dropped > 0 {
                logger.warning("dropped \(dropped) pending notifications of receivers no longer configured")
            }
        }
        let tasks = streams.map { target, stream in
            Task { [self] in await self.work(target, wakeups: stream) }
        }
        workers.withLock { $0 = tasks }
    }

    /// A daemon's delivery: the outbox in `stateDirectory`, opened (and migrated) on a thread of
    /// its own rather than the cooperative pool.
    convenience init(
        targets: [DeliveryTarget],
        stateDirectory: String,
        http: CurlHTTPClient,
        logger: Logger,
        externalURL: String
    ) async throws {
        let store = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { () throws(StateStore.OpenError) in
                        try StateStore(directory: stateDirectory)
                    }
                )
            }
        }
        self.init(targets: targets, store: store, http: http, logger: logger, externalURL: externalURL)
    }

    /// Renders and stores notifications in one transaction, then wakes their workers. The daemon
    /// writes its outbox entries through the state writer instead (with the alert changes behind
    /// them); this is for callers without one.
    func enqueue(_ notifications: [ConnWatchCore.Notification]) throws {
        let entries = render(notifications)
        try store.enqueue(entries)
        wake(entries.map(\.receiver))
    }

    /// The outbox entries for `notifications`, rendered for their receivers (notifications for
    /// receivers that are not configured are left out). The caller writes them to the outbox and
    /// then calls `wake(_:)`.
    func render(_ notifications: [ConnWatchCore.Notification]) -> [OutboxEntry] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var entries: [OutboxEntry] = []
        for notification in notifications {
            for target in targetsOfReceiver[notification.receiver] ?? [] {
                entries += render(notification, for: target, now: now)
            }
        }
        return entries
    }

    /// The outbox entries of one notification for one target (a peer's have ids of their own).
    private func render(
        _ notification: ConnWatchCore.Notification,
        for target: DeliveryTarget,
        now: Int64
    )
        -> [OutboxEntry]
    {
        let requests = MessageRenderer.requests(
            notification,
            receiver: target.receiver,
            context: RenderContext(
                url: target.url,
                externalURL: externalURL,
                routingKey: target.routingKey,
                sentAt: now
            )
        )
        return requests.map { request in
            OutboxEntry(
                id: target.entryID(request.id),
                receiver: target.name,
                contentType: request.message.contentType,
                body: request.message.body,
                createdAt: now
            )
        }
    }

    /// Tells the workers of `receivers` that the outbox has new entries for them.
    func wake(_ receivers: some Sequence<String>) {
        for receiver in Set(receivers) { wakeups[receiver]?.yield() }
    }

    /// Stops taking notifications and keeps delivering pending ones at most `timeout`; then stops.
    /// Whatever is still pending stays in the outbox for the next start.
    func finish(timeout: Duration) async {
        for continuation in wakeups.values { continuation.finish() }
        let workers = self.workers.withLock { $0 }
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

    // MARK: worker

    private func work(_ target: DeliveryTarget, wakeups: AsyncStream<Void>) async {
        var iterator = wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            let entry: OutboxEntry?
            do {
                entry = try await store.next(for: target.name)
            } catch {
                logger.error("cannot read the outbox: \(error)", metadata: ["receiver": "\(target.name)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if let entry {
                await deliver(entry, to: target)
            } else if await iterator.next() == nil {
                return
            }
        }
    }

    private func deliver(_ entry: OutboxEntry, to target: DeliveryTarget) async {
        var metadata: Logger.Metadata = [
            "receiver": "\(target.name)",
            "receiver_type": "\(target.receiver.type.rawValue)",
            "notification_id": "\(entry.id)",
            "endpoint": "\(target.redactedURL)",
        ]
        let redaction = URLRedaction(url: target.endpoint)
        let firstAttempt = entry.firstAttemptAt ?? Self.nowMilliseconds
        let retryWindowStart = target.receiver.retryWindowStart(
            createdAt: entry.createdAt,
            firstAttemptAt: firstAttempt
        )
        var attempt = entry.attempts
        var lastReason: String?
        while !Task.isCancelled {
            if disabled.withLock({ $0.contains(target.name) }) {
                logger.error(
                    "notification dropped: the receiver is disabled after HTTP 410 until the next reload",
                    metadata: metadata
                )
                stats.failed(target.name, "disabled after HTTP 410")
                await remove(entry)
                return
            }
            do {
                try await limiter.acquire(target.endpoint, rate: target.receiver.effectiveRateLimit)
            } catch {
                return  // cancelled
            }
            attempt += 1
            metadata["attempt"] = "\(attempt)"
            let request = self.request(for: entry, to: target)
            var response: HTTPResponse?
            var transportError: String?
            do {
                response = try await http.send(request)
            } catch {
                transportError = redaction.scrub(error.description)
            }
            if let response { observeRateLimitHeaders(response, target: target) }
            let status = response?.status
            if status == 410 {
                disabled.withLock { _ = $0.insert(target.name) }
                metadata["status_code"] = "410"
                metadata["response_body"] = "\(Self.excerpt(response?.body ?? [], redaction))"
                logger.error(
                    "receiver answered 410 Gone: notification dropped, receiver disabled until reload",
                    metadata: metadata
                )
                stats.failed(target.name, "HTTP 410 Gone")
                await remove(entry)
                return
            }
            let decision = target.policy.decide(
                status: status,
                retryAfter: response.flatMap { retryAfter($0, target: target) },
                transportError: transportError,
                attempt: attempt,
                elapsed: Self.nowMilliseconds - retryWindowStart,
                random: Double.random(in: 0..<1),
                now: Self.nowMilliseconds
            )
            if let status { metadata["status_code"] = "\(status)" }
            switch decision {
            case .delivered:
                logger.info("notification delivered", metadata: metadata)
                stats.delivered(target.name)
                await remove(entry)
                return
            case .retry(let delay, let reason):
                metadata["reason"] = "\(reason)"
                // A warning when the failure changes, debug while it repeats: no log floods.
                let level: Logger.Level = reason == lastReason ? .debug : .warning
                lastReason = reason
                stats.retrying(target.name, "\(reason)")
                logger.log(
                    level: level,
                    "notification not delivered, retrying in \(DurationText.format(milliseconds: delay))",
                    metadata: metadata
                )
                if status == 429 { limiter.pause(target.endpoint, for: .milliseconds(delay)) }
                try? await store.recordAttempt(id: entry.id, attempts: attempt, firstAttemptAt: firstAttempt)
                do {
                    try await Task.sleep(for: .milliseconds(delay))
                } catch {
                    return
                }
            case .giveUp(let reason):
                metadata["reason"] = "\(reason)"
                if let body = response?.body, !body.isEmpty {
                    metadata["response_body"] = "\(Self.excerpt(body, redaction))"
                }
                logger.error("notification dropped: \(reason)", metadata: metadata)
                stats.failed(target.name, "\(reason)")
                await remove(entry)
                return
            }
        }
    }

    private func request(for entry: OutboxEntry, to target: DeliveryTarget) -> HTTPRequest {
        target.request(id: entry.id, contentType: entry.contentType, body: entry.body, now: Self.nowMilliseconds)
    }

    /// `Retry-After`, or for Discord the JSON body's `retry_after` (seconds).
    private func retryAfter(_ response: HTTPResponse, target: DeliveryTarget) -> String? {
        if let header = response.header("Retry-After") { return header }
        guard response.status == 429 else { return nil }
        return Self.jsonNumber("retry_after", in: response.body)
    }

    /// Discord-style `X-RateLimit-Remaining: 0` + `X-RateLimit-Reset-After` pauses the destination.
    private func observeRateLimitHeaders(_ response: HTTPResponse, target: DeliveryTarget) {
        guard response.header("X-RateLimit-Remaining") == "0",
            let text = response.header("X-RateLimit-Reset-After"), let seconds = Double(text), seconds > 0,
            seconds < 3600
        else { return }
        limiter.pause(target.endpoint, for: .milliseconds(Int64(seconds * 1000)))
    }

    private func remove(_ entry: OutboxEntry) async {
        do {
            try await store.remove(id: entry.id)
        } catch {
            logger.error(
                "cannot remove a notification from the outbox: \(error)",
                metadata: ["notification_id": "\(entry.id)"]
            )
        }
    }

    static var nowMilliseconds: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// At most 500 characters of a response body, with URL secrets scrubbed.
    static func excerpt(_ body: [UInt8], _ redaction: URLRedaction) -> String {
        PlatformText.truncate(redaction.scrub(String(decoding: body, as: UTF8.self)), maxCharacters: 500)
    }

    /// The number after `"name":` in a JSON body, as text (a small scan; no full parse needed).
    static func jsonNumber(_ name: String, in body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let key = text.range(of: "\"\(name)\"") else { return nil }
        var rest = text[key.upperBound...].drop { $0 == " " || $0 == ":" || $0 == "\t" || $0 == "\n" }
        rest = rest.prefix { $0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-" }
        return rest.isEmpty ? nil : String(rest)
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
