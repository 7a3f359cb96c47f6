import ConnWatchCore
import Testing

@testable import ConnWatchRuntime

private func message(_ topic: String, _ payload: String, retained: Bool = false) -> MQTTMessage {
    MQTTMessage(topic: topic, payload: Array(payload.utf8), retained: retained, qos: 1, receivedAt: 1000)
}

/// Decodes and returns the event, or `nil` on an error.
private func decodeEvent(_ decoder: FeedDecoder, _ message: MQTTMessage) -> StatusEvent? {
    do throws(DecodeError) {
        if case .event(let event) = try decoder.decode(message) { return event }
    } catch {}
    return nil
}

@Suite struct FeedDecoderRoutingTests {
    @Test func routesByFilterAndCountsPerSubscription() throws {
        let decoder = FeedDecoder(subscriptions: [
            SubscriptionConfig(topic: "tele/+/LWT", format: .tasmota),
            SubscriptionConfig(topic: "$aws/events/presence/+/+", format: .awsIoT),
            SubscriptionConfig(
                topic: "site/+/state",
                format: .lwt,
                lwt: LWTOptions(clientID: .level(2), online: ["up"], offline: ["down"])
            ),
            SubscriptionConfig(topic: "homie/#", format: .homie),
        ])
        #expect(decodeEvent(decoder, message("tele/plug/LWT", "Offline"))?.cause == .networkClosed)
        #expect(
            decodeEvent(decoder, message("$aws/events/presence/connected/c1", #"{"versionNumber":3}"#))?.sequence == 3
        )
        #expect(decodeEvent(decoder, message("site/s1/state", "UP"))?.clientID == "s1")
        #expect(decodeEvent(decoder, message("site/s1/state", "sideways")) == nil)
        #expect(decodeEvent(decoder, message("homie/lamp/$name", "Lamp")) == nil)
        #expect(decodeEvent(decoder, message("other/topic", "x")) == nil)
        if case .topicCleared = try decoder.decode(message("tele/plug/LWT", "", retained: true)) {
        } else {
            Issue.record("an empty retained payload clears the topic")
        }

        let counters = decoder.counters
        #expect(
            counters.map(\.subscription) == [
                "tele/+/LWT (tasmota)", "$aws/events/presence/+/+ (aws-iot)", "site/+/state (lwt)", "homie/# (homie)",
            ]
        )
        #expect(counters[0].counters == FeedDecoder.Counters(decoded: 2, unknownTopics: 0, undecodable: 0))
        #expect(counters[1].counters == FeedDecoder.Counters(decoded: 1, unknownTopics: 0, undecodable: 0))
        #expect(counters[2].counters == FeedDecoder.Counters(decoded: 1, unknownTopics: 0, undecodable: 1))
        #expect(counters[3].counters == FeedDecoder.Counters(decoded: 0, unknownTopics: 1, undecodable: 0))
        #expect(decoder.unmatched == 1)
        #expect(decoder.subscriptionLabel(for: "site/x/state") == "site/+/state (lwt)")
        #expect(decoder.subscriptionLabel(for: "nowhere") == nil)
    }

    /// Messages of a shared subscription arrive with their own topic: they are routed by the filter
    /// after `$share/GROUP/`, and counted under the subscription as written.
    @Test func sharedSubscriptionsRouteByTheirFilter() {
        let decoder = FeedDecoder(subscriptions: [
            SubscriptionConfig(topic: "$share/cw/tele/+/LWT", format: .tasmota),
            SubscriptionConfig(
                topic: "$share/cw/site/+/state",
                format: .lwt,
                lwt: LWTOptions(clientID: .level(2), online: ["up"], offline: ["down"])
            ),
        ])
        #expect(decodeEvent(decoder, message("tele/plug/LWT", "Offline"))?.clientID == "plug")
        #expect(decodeEvent(decoder, message("site/s1/state", "down"))?.clientID == "s1")
        #expect(decodeEvent(decoder, message("$share/cw/tele/plug/LWT", "Offline")) == nil)
        #expect(decoder.counters.map(\.counters.decoded) == [1, 1])
        #expect(decoder.subscriptionLabel(for: "site/s2/state") == "$share/cw/site/+/state (lwt)")
        #expect(decoder.unmatched == 1)
    }

    @Test func everyFormatHasADecoder() {
        for format in FeedFormat.allCases {
            let decoder = FeedDecoder(subscriptions: [SubscriptionConfig(topic: "#", format: format)])
            // Whatever the format, garbage is an error, never a trap.
            #expect(decodeEvent(decoder, message("x/y/z", "\u{1}")) == nil)
            #expect(decoder.counters[0].counters.decoded == 0)
        }
    }
}
