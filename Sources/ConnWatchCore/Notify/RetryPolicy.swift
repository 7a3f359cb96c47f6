/// What to do after one delivery attempt.
public enum DeliveryDecision: Sendable, Equatable {
    /// The endpoint took it.
    case delivered
    /// Try again after this many milliseconds.
    case retry(after: Int64, reason: String)
    /// Do not try again.
    case giveUp(reason: String)
}

/// When and whether to retry a notification: exponential backoff with jitter on 5xx, 408 and
/// transport errors, `Retry-After` on 429, no retry on other 4xx, and an overall deadline.
public struct RetryPolicy: Sendable, Equatable {
    public var initialDelay: Int64
    public var maxDelay: Int64
    /// Stop retrying once this long has passed since the first attempt.
    public var maxRetryDuration: Int64
    /// Fraction of the delay that is randomised (0.2 = ±20 %).
    public var jitter: Double

    public init(
        initialDelay: Int64 = 1000,
        maxDelay: Int64 = 300_000,
        maxRetryDuration: Int64 = 3_600_000,
        jitter: Double = 0.2
    ) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryDuration = maxRetryDuration
        self.jitter = jitter
    }

    /// The backoff before attempt `attempt + 1` (attempt counts from 1); `random` in 0..<1.
    public func backoff(afterAttempt attempt: Int, random: Double) -> Int64 {
        let exponent = min(max(attempt - 1, 0), 40)
        let base = min(Double(initialDelay) * pow2(exponent), Double(maxDelay))
        let spread = base * jitter * (2 * random - 1)
        return max(0, Int64(base + spread))
    }

    /// Decides after an attempt that got `status` (nil: no HTTP response, a transport error).
    /// `elapsed` is the time since the first attempt; `now` (wall clock) reads a `Retry-After`
    /// given as an HTTP date.
    public func decide(
        status: Int?,
        retryAfter: String?,
        transportError: String?,
        attempt: Int,
        elapsed: Int64,
        random: Double,
        now: Int64? = nil
    ) -> DeliveryDecision {
        let reason: String
        var delay = backoff(afterAttempt: attempt, random: random)
        switch status {
        case .some(200..<300):
            return .delivered
        case .some(429):
            reason = "HTTP 429 Too Many Requests"
            if let hint = hintedDelay(retryAfter, now: now) { delay = hint }
        case .some(503):
            reason = "HTTP 503"
            if let hint = hintedDelay(retryAfter, now: now) { delay = max(delay, hint) }
        case .some(408), .some(425), .some(500...599):
            reason = "HTTP \(status ?? 0)"
        case .some(let code):
            return .giveUp(reason: "HTTP \(code) (not retried)")
        case nil:
            reason = transportError ?? "transport error"
        }
        if elapsed + delay > maxRetryDuration {
            return .giveUp(reason: "\(reason); gave up after \(DurationText.format(milliseconds: elapsed))")
        }
        return .retry(after: delay, reason: reason)
    }

    /// `Retry-After` as seconds or as an HTTP date, in milliseconds from now; clamped, so that a
    /// bogus hint neither hammers the endpoint nor stalls the queue for ever.
    private func hintedDelay(_ retryAfter: String?, now: Int64?) -> Int64? {
        guard let retryAfter else { return nil }
        let text = retryAfter.trimmingSpaces
        if let seconds = Double(text), seconds >= 0, seconds.isFinite {
            return Int64(min(seconds, Double(maxDelay) / 1000) * 1000)
        }
        guard let now, let date = Timestamp.parseHTTPDate(text) else { return nil }
        return min(max(date - now, 0), maxDelay)
    }

    private func pow2(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<exponent { value *= 2 }
        return value
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var result = Substring(self)
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
