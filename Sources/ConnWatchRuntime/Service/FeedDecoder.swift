import ConnWatchCore

/// Picks the decoder for a message by the subscription whose filter matches its topic, and counts per
/// subscription what was decoded and what was not. A shared subscription (`$share/GROUP/filter`)
/// matches by its filter: the broker delivers the messages with their own topics.
///
/// Owned by the daemon's loop (one task), so it needs no locks; it is not `Sendable`.
final class FeedDecoder {
    /// What one subscription has seen since start.
    struct Counters: Sendable, Equatable {
        /// Messages decoded into an event (or a retained clear).
        var decoded: Int = 0
        /// Messages whose topic the format does not know.
        var unknownTopics: Int = 0
        /// Messages whose payload could not be decoded.
        var undecodable: Int = 0
    }

    /// One subscription with its decoder and counters.
    private struct Entry {
        let subscription: SubscriptionConfig
        /// The subscription's topic filter without a `$share/GROUP/` prefix.
        let filter: String
        let decoder: any StatusDecoder
        var counters = Counters()
    }

    private var entries: [Entry]
    /// Messages that matched no subscription of the broker.
    private(set) var unmatched = 0

    init(subscriptions: [SubscriptionConfig]) {
        entries = subscriptions.map { Entry(subscription: $0, filter: $0.filter, decoder: Self.decoder(for: $0)) }
    }

    /// The decoder a subscription's format uses.
    static func decoder(for subscription: SubscriptionConfig) -> any StatusDecoder {
        switch subscription.format {
        case .watsonIoT: return WatsonIoTDecoder()
        case .awsIoT: return AWSIoTDecoder()
        case .emqx: return EMQXDecoder()
        case .lwt:
            // The config builder always sets options for `lwt`; the fallback takes the first level.
            return LWTDecoder(options: subscription.lwt ?? LWTOptions(clientID: .level(1)))
        case .tasmota: return LWTDecoder.tasmota
        case .homie: return HomieDecoder()
        case .zigbee2mqtt: return Zigbee2MQTTDecoder()
        case .sparkplug: return SparkplugDecoder()
        }
    }

    /// Decodes `message` with the decoder of the first subscription whose filter matches its topic (the
    /// only one if there is a single subscription), and counts the result against that subscription.
    func decode(_ message: MQTTMessage) throws(DecodeError) -> DecodeOutcome {
        let index =
            entries.count == 1 ? 0 : entries.firstIndex { TopicFilter.matches($0.filter, message.topic) }
        guard let index else {
            unmatched += 1
            throw DecodeError(.unknownTopic, detail: "no subscription of this broker matches the topic")
        }
        do throws(DecodeError) {
            let outcome = try entries[index].decoder.decode(
                topic: message.topic,
                bytes: message.payload,
                retained: message.retained,
                receivedAt: message.receivedAt
            )
            entries[index].counters.decoded += 1
            return outcome
        } catch {
            if error.code == .unknownTopic {
                entries[index].counters.unknownTopics += 1
            } else {
                entries[index].counters.undecodable += 1
            }
            throw error
        }
    }

    /// The counters of every subscription, in configuration order, labelled `topic (format)`.
    var counters: [(subscription: String, counters: Counters)] {
        entries.map { ("\($0.subscription.topic) (\($0.subscription.format.rawValue))", $0.counters) }
    }

    /// The subscription label (`topic (format)`) a topic is counted against, for log metadata.
    func subscriptionLabel(for topic: String) -> String? {
        let entry =
            entries.count == 1 ? entries.first : entries.first { TopicFilter.matches($0.filter, topic) }
        return entry.map { "\($0.subscription.topic) (\($0.subscription.format.rawValue))" }
    }
}
