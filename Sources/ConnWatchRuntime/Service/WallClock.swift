import Glibc

/// The wall clock in milliseconds since the Unix epoch: the engine's notion of "now".
public enum WallClock {
    public static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
