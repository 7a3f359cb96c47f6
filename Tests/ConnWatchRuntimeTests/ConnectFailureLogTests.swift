import ConnWatchCore
import Testing

@testable import ConnWatchRuntime

@Suite struct ConnectFailureLogTests {
    private let refused = BrokerFailure(.notAuthorized, "the broker answered CONNACK 5 (not authorised)")
    private let lookup = BrokerFailure(.dns, "cannot resolve 'broker.example'")

    @Test("identical failures: the first three are logged, then one line a minute with the count held back")
    func identicalFailuresAreRateLimited() {
        var log = ConnectFailureLog(burst: 3, interval: 60_000)
        let logged = (0..<10).map { log.record(refused, now: Int64($0) * 5_000) }
        #expect(logged == [0, 0, 0, nil, nil, nil, nil, nil, nil, nil])
        #expect(log.record(refused, now: 70_000) == 10 - 3)
        #expect(log.record(refused, now: 75_000) == nil)
    }

    @Test("a different failure is logged at once; a successful connect starts a new streak")
    func changesAreLoggedAtOnce() {
        var log = ConnectFailureLog(burst: 1, interval: 60_000)
        #expect(log.record(refused, now: 0) == 0)
        #expect(log.record(refused, now: 1_000) == nil)
        #expect(log.record(lookup, now: 2_000) == 0)
        #expect(log.record(refused, now: 3_000) == 0)
        log.reset()
        #expect(log.record(refused, now: 4_000) == 0)
    }
}
