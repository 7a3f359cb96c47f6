/// The one reconnect policy of a ``MosquittoClient``, for every way an attempt can end (refused,
/// TLS, DNS, TCP, lost after connect) and both protocol versions: capped exponential backoff with
/// full jitter. The delay before retry `n` (1-based) is uniform in `0...min(maximum, minimum·2^(n-1))`,
/// so clients that failed together (a broker restart) spread over the whole window instead of
/// retrying in lockstep.
///
/// A pure value: the random source is passed in, so tests can pin it.
public struct ReconnectBackoff: Sendable, Equatable {
    /// The window of the first retry.
    public var minimum: Duration
    /// The largest window.
    public var maximum: Duration
    /// Failures since the last successful connect.
    public private(set) var failures = 0

    /// A policy with windows from `minimum` doubling up to `maximum`.
    public init(minimum: Duration, maximum: Duration) {
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
    }

    /// The upper end of the window for retry `attempt` (1-based).
    public func ceiling(attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 40)
        let seconds = min(Self.seconds(maximum), Self.seconds(minimum) * Double(1 << UInt64(exponent)))
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// Counts one more failure and returns how long to wait before the next attempt.
    public mutating func nextDelay<Random: RandomNumberGenerator>(using random: inout Random) -> Duration {
        failures += 1
        let window = Self.seconds(ceiling(attempt: failures))
        return .milliseconds(Int64((Double.random(in: 0...window, using: &random) * 1000).rounded()))
    }

    /// Counts one more failure; the delay comes from the system's random source.
    public mutating func nextDelay() -> Duration {
        var random = SystemRandomNumberGenerator()
        return nextDelay(using: &random)
    }

    /// A successful connect: the next failure starts from the smallest window again.
    public mutating func reset() {
        failures = 0
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
