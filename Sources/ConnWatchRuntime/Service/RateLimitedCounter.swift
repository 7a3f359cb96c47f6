/// Lets one log line through per interval and counts what it held back.
struct RateLimitedCounter {
    let interval: Int64
    private var lastReport: Int64 = .min
    private var suppressed = 0
    private(set) var total = 0

    init(interval: Int64) {
        self.interval = interval
    }

    /// Records one occurrence; returns how many were suppressed since the last report when this
    /// one should be reported, or `nil` when it should stay quiet.
    mutating func record(now: Int64) -> Int? {
        total += 1
        if lastReport == .min || now - lastReport >= interval {
            let held = suppressed
            suppressed = 0
            lastReport = now
            return held
        }
        suppressed += 1
        return nil
    }

    /// Records `count` occurrences not reported one by one (reported with the next line).
    mutating func hold(_ count: Int) {
        total += count
        suppressed += count
    }
}
