import ConnWatchCore

/// Decides which failed connection attempts of one broker get a journal line: every attempt whose
/// failure differs from the previous one, the first few of a streak of identical failures, and
/// then one line per interval that says how many identical ones it held back.
struct ConnectFailureLog {
    /// Identical failures in a row that are all logged before the rate limit starts.
    let burst: Int
    private var last: BrokerFailure?
    private var streak = 0
    private var limiter: RateLimitedCounter

    init(burst: Int = 3, interval: Int64 = 60_000) {
        self.burst = burst
        limiter = RateLimitedCounter(interval: interval)
    }

    /// Records one failure at `now`; returns how many identical failures were held back since the
    /// last line when this one is to be logged, `nil` when it stays quiet.
    mutating func record(_ failure: BrokerFailure, now: Int64) -> Int? {
        if failure != last {
            last = failure
            streak = 0
            limiter = RateLimitedCounter(interval: limiter.interval)
        }
        streak += 1
        if streak <= burst {
            // Within the burst every line is logged; the limiter starts counting from the last of them.
            limiter = RateLimitedCounter(interval: limiter.interval)
            _ = limiter.record(now: now)
            return 0
        }
        return limiter.record(now: now)
    }

    /// A successful connect ends the streak.
    mutating func reset() {
        last = nil
        streak = 0
    }
}
