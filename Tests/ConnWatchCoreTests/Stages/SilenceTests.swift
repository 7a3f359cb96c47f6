import Testing

@testable import ConnWatchCore

@Suite struct SilenceTests {
    @Test func matchesAllMatchersWithinItsTime() throws {
        let silence = Silence(
            id: "s1",
            matchers: [try matcher(#"type_id="gw""#), try matcher(#"device_id=~"gw-.*""#)],
            startsAt: 1000,
            endsAt: 2000,
            comment: "upgrade",
            createdBy: "ops"
        )
        let set = SilenceSet([silence])
        let gateway = LabelSet(["type_id": "gw", "device_id": "gw-1"])
        #expect(set.isSilenced(gateway, at: 999) == false)
        #expect(set.isSilenced(gateway, at: 1000))
        #expect(set.isSilenced(gateway, at: 1999))
        #expect(set.isSilenced(gateway, at: 2000) == false)
        #expect(set.isSilenced(LabelSet(["type_id": "gw", "device_id": "x"]), at: 1500) == false)
        #expect(set.silencingIDs(gateway, at: 1500) == ["s1"])
        #expect(set.pruned(at: 2000).silences.isEmpty)
        #expect(set.pruned(at: 1999).silences.count == 1)
    }

    /// Berlin's spring change: 01:30 CET to 03:30 CEST is one hour, not two.
    @Test func spansSpringForwardInBerlin() throws {
        let start = ms("2026-03-29T01:30:00+01:00")
        let end = ms("2026-03-29T03:30:00+02:00")
        #expect(end - start == 3_600_000)
        let set = SilenceSet([Silence(id: "s", matchers: [try matcher(#"a="1""#)], startsAt: start, endsAt: end)])
        let labels = LabelSet(["a": "1"])
        #expect(set.isSilenced(labels, at: ms("2026-03-29T00:29:59Z")) == false)
        #expect(set.isSilenced(labels, at: ms("2026-03-29T00:30:00Z")))
        #expect(set.isSilenced(labels, at: ms("2026-03-29T01:29:59Z")))
        #expect(set.isSilenced(labels, at: ms("2026-03-29T01:30:00Z")) == false)
    }

    /// New York's autumn change: 01:30 EDT to 01:30 EST (the same wall time) is one hour.
    @Test func spansFallBackInNewYorkFromConfig() throws {
        let text = """
            mqtt:
              - name: main
                url: mqtt://127.0.0.1:1883
                subscriptions:
                  - topic: iot-2/type/+/id/+/mon
                    format: watson-iot
            silences:
              - id: repeated-hour
                matchers: ['a="1"']
                starts_at: 2026-11-01T01:30:00-04:00
                ends_at: 2026-11-01T01:30:00-05:00
                comment: the hour that happens twice
                created_by: ops
            """
        let config = try ConfigLoader.load(text: text, file: "rules.yaml")
        let silence = try #require(config.silences.first)
        #expect(silence.id == "repeated-hour")
        #expect(silence.comment == "the hour that happens twice")
        #expect(silence.createdBy == "ops")
        #expect(silence.endsAt - silence.startsAt == 3_600_000)
        let set = SilenceSet(config.silences)
        let labels = LabelSet(["a": "1"])
        #expect(set.isSilenced(labels, at: ms("2026-11-01T05:29:59Z")) == false)
        #expect(set.isSilenced(labels, at: ms("2026-11-01T05:30:00Z")))
        #expect(set.isSilenced(labels, at: ms("2026-11-01T06:29:59Z")))
        #expect(set.isSilenced(labels, at: ms("2026-11-01T06:30:00Z")) == false)
    }
}
