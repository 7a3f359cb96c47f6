import ConnWatchCore

/// Picks the decoder for a message by the subscription whose filter matches its topic.
struct FeedDecoder {
    private let subscriptions: [SubscriptionConfig]
    private let watson = WatsonIoTDecoder()

    init(subscriptions: [SubscriptionConfig]) {
        self.subscriptions = subscriptions
    }

    func decode(_ message: MQTTMessage) throws(DecodeError) -> DecodeOutcome {
        let format =
            subscriptions.count == 1
            ? subscriptions[0].format
            : subscriptions.first { TopicFilter.matches($0.topic, message.topic) }?.format
        switch format {
        case .watsonIoT:
            return try watson.decode(
                topic: message.topic,
                payload: message.payload,
                retained: message.retained,
                receivedAt: message.receivedAt
            )
        case nil:
            throw DecodeError(.unknownTopic, detail: "no subscription of this broker matches the topic")
        }
    }
}
