import Glibc

/// The wall clock in milliseconds since the Unix epoch.
public enum WallClock {
    public static func now() -> Int64 {
        milliseconds(CLOCK_REALTIME)
    }

    /// The monotonic clock in milliseconds (an arbitrary origin; never jumps).
    static func monotonic() -> Int64 {
        milliseconds(CLOCK_MONOTONIC)
    }

    private static func milliseconds(_ clock: clockid_t) -> Int64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// The daemon's "now": wall-clock milliseconds as they were at start, advanced by the monotonic
/// clock. A wall clock that is set forward or back (by hand, by NTP stepping it) therefore neither
/// fires offline rules early nor delays them: every `for` and `window` is measured in real elapsed
/// time. `skew()` says how far the wall clock has moved away, so the daemon can log it.
public struct ServiceClock: Sendable {
    private let wallAtStart: Int64
    private let monotonicAtStart: Int64

    public init() {
        wallAtStart = WallClock.now()
        monotonicAtStart = WallClock.monotonic()
    }

    public func now() -> Int64 {
        wallAtStart + (WallClock.monotonic() - monotonicAtStart)
    }

    /// Wall clock minus `now()`: positive when the wall clock was set forward since the start.
    public func skew() -> Int64 {
        WallClock.now() - now()
    }
}
