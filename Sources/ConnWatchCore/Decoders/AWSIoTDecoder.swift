// Decoder for AWS IoT Core lifecycle events, reference/FORMATS.md §3.

/// Decodes AWS IoT Core presence events (`$aws/events/presence/connected|disconnected|connect_failed/{clientId}`).
///
/// `versionNumber` becomes ``StatusEvent/sequence``: the engine orders a client's events by it (a disconnect
/// after the connect with the same number) and drops duplicates, so an old disconnect that arrives late
/// never overrides a newer connect. `timestamp` (ms) is the event time; `disconnectReason` is kept as the
/// reason text and classified with ``AWSDisconnectReason``; `connect_failed` is an `.auth`/`.server` refusal.
/// The `eventType` field must agree with the topic; the client id comes from `clientId`, else from the topic.
public struct AWSIoTDecoder: StatusDecoder {
    /// Payloads longer than this many bytes are rejected with `.payloadTooLarge`.
    public var maxPayloadBytes: Int

    /// Creates a decoder that rejects payloads over `maxPayloadBytes` bytes.
    public init(maxPayloadBytes: Int = 65_536) {
        self.maxPayloadBytes = maxPayloadBytes
    }

    public func decode(
        topic: String,
        payload: UnsafeRawBufferPointer,
        retained: Bool,
        receivedAt: Int64
    ) throws(DecodeError) -> DecodeOutcome {
        let levels = FeedText.levels(topic)
        // A client id with '/' in it spans several levels.
        guard levels.count >= 5, levels[0] == "$aws", levels[1] == "events", levels[2] == "presence",
            levels[4...].allSatisfy(FeedText.isPlainLevel)
        else { throw DecodeError(.unknownTopic, detail: "not an AWS IoT presence topic") }
        let topicClientID = levels[4...].joined(separator: "/")
        let action: StatusAction
        switch levels[3] {
        case "connected": action = .connect
        case "disconnected": action = .disconnect
        case "connect_failed": action = .failedConnect
        default: throw DecodeError(.unknownTopic, detail: "unknown AWS IoT presence event '\(levels[3])'")
        }
        if let outcome = try FeedText.preflight(
            topic: topic,
            payload: payload,
            retained: retained,
            limit: maxPayloadBytes
        ) {
            return outcome
        }

        var scanner = JSONScanner(payload)
        var clientID: String?
        var eventType: String?
        var timestamp: Int64?
        var address: String?
        var version: Int64?
        var clientInitiated: Bool?
        var reason: String?
        var firstProblem: DecodeError?
        while let key = try scanner.nextKey() {
            do throws(DecodeError) {
                if key == "clientId" {
                    clientID = try scanner.readOptionalString(field: "clientId")
                } else if key == "eventType" {
                    eventType = try scanner.readOptionalString(field: "eventType")
                } else if key == "timestamp" {
                    timestamp = try scanner.readOptionalInt64(field: "timestamp")
                } else if key == "ipAddress" {
                    address = try scanner.readOptionalString(field: "ipAddress")
                } else if key == "versionNumber" {
                    version = try scanner.readOptionalInt64(field: "versionNumber")
                } else if key == "clientInitiatedDisconnect" {
                    clientInitiated = try scanner.readOptionalBool(field: "clientInitiatedDisconnect")
                } else if key == "disconnectReason" {
                    reason = try scanner.readOptionalString(field: "disconnectReason")
                } else if key == "connectFailureReason" {
                    let failure = try scanner.readOptionalString(field: "connectFailureReason")
                    if action == .failedConnect { reason = failure }
                }
            } catch {
                if error.code == .malformedJSON || error.code == .invalidUTF8 { throw error }
                if firstProblem == nil { firstProblem = error }
            }
        }
        if let firstProblem { throw firstProblem }
        if let eventType, eventType != String(levels[3]) {
            throw DecodeError(
                .invalidValue,
                field: "eventType",
                detail: "eventType '\(eventType)' does not match the topic's '\(levels[3])'"
            )
        }
        let id = clientID ?? topicClientID
        guard !id.isEmpty else { throw DecodeError(.invalidValue, field: "clientId", detail: "empty client id") }
        if let version, version < 0 {
            throw DecodeError(.invalidValue, field: "versionNumber", detail: "negative version number")
        }
        var event = StatusEvent(
            action: action,
            clientID: id,
            time: timestamp ?? receivedAt,
            clientAddress: address,
            retained: retained,
            sequence: version
        )
        switch action {
        case .connect:
            break
        case .disconnect:
            event.reasonText = reason
            (event.cause, event.initiator) = AWSDisconnectReason.classify(reason, clientInitiated: clientInitiated)
        case .failedConnect:
            event.reasonText = reason
            (event.cause, event.initiator) = (.auth, .server)
        }
        return .event(event)
    }
}
