import Testing

@testable import ConnWatchRuntime

@Suite struct TimedCacheTests {
    @Test func aValueIsMadeOncePerMaxAgeAndAgainWhenTheClockGoesBack() {
        var cache = TimedCache<Int>(maxAge: 5_000)
        var made = 0
        func ask(_ now: Int64) -> Int {
            cache.value(now: now) {
                made += 1
                return made
            }
        }
        #expect(ask(1_000) == 1)
        #expect(ask(1_000) == 1 && ask(5_999) == 1)
        #expect(ask(6_000) == 2)
        #expect(ask(10_999) == 2)
        // A clock that went back does not keep an old value for longer.
        #expect(ask(2_000) == 3)
        #expect(made == 3)
    }
}
