import Synchronization

/// Token buckets per destination URL: `rate` requests per second with a burst of `burst`, plus
/// pauses that a 429 or a rate-limit header imposes on the whole destination.
final class RateLimiter: Sendable {
    struct Bucket: Sendable {
        var rate: Double
        var burst: Double
        var tokens: Double
        var updated: ContinuousClock.Instant
        var pausedUntil: ContinuousClock.Instant

        /// Takes one token at `now`; returns how long to wait before sending.
        mutating func take(now: ContinuousClock.Instant) -> Duration {
            let start = max(now, pausedUntil)
            let refill = (start - updated).seconds * rate
            tokens = min(burst, tokens + refill)
            updated = start
            tokens -= 1
            var wait = start - now
            if tokens < 0 { wait += .seconds(-tokens / rate) }
            return wait
        }
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    /// Waits until a request to `destination` may go out.
    func acquire(_ destination: String, rate: Double, burst: Double = 1) async throws {
        let now = ContinuousClock.now
        let wait = buckets.withLock { buckets in
            var bucket =
                buckets[destination]
                ?? Bucket(rate: max(rate, 0.001), burst: burst, tokens: burst, updated: now, pausedUntil: now)
            let wait = bucket.take(now: now)
            buckets[destination] = bucket
            return wait
        }
        if wait > .zero { try await Task.sleep(for: wait) }
    }

    /// No request to `destination` before `duration` from now.
    func pause(_ destination: String, for duration: Duration) {
        let until = ContinuousClock.now + duration
        buckets.withLock { buckets in
            if var bucket = buckets[destination] {
                bucket.pausedUntil = max(bucket.pausedUntil, until)
                buckets[destination] = bucket
            }
        }
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
