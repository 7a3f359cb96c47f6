/// A value made at most once per `maxAge` (milliseconds of the caller's clock): an answer that
/// costs a pass over every client is made once, however often it is asked for within that time.
struct TimedCache<Value> {
    let maxAge: Int64
    private var made: (at: Int64, value: Value)?

    init(maxAge: Int64) {
        self.maxAge = maxAge
    }

    /// The value made within the last `maxAge` before `now`, or a new one from `make`.
    mutating func value(now: Int64, make: () -> Value) -> Value {
        if let made, now >= made.at, now - made.at < maxAge { return made.value }
        let value = make()
        made = (now, value)
        return value
    }
}
