// Decoder for Last-Will style status topics, reference/FORMATS.md §5.1 (and any similar convention).

/// Decodes a Last-Will status convention: one retained topic per client whose payload is an online or
/// offline word (or a JSON object with the word in one field), configured by ``LWTOptions``.
///
/// An offline word means the broker published the client's Will: cause `.networkClosed`, initiator
/// `.network`. A clean-offline word is an announced disconnect: `.clean` / `.client`. Words compare
/// case-insensitively after trimming whitespace. An empty retained payload means the retained status was
/// removed (``DecodeOutcome/topicCleared(topic:)``), not a state.
public struct LWTDecoder: StatusDecoder {
    /// The convention's settings.
    public let options: LWTOptions
    /// Payloads longer than this many bytes are rejected with `.payloadTooLarge`.
    public var maxPayloadBytes: Int
    private let online: Set<String>
    private let offline: Set<String>
    private let cleanOffline: Set<String>

    /// Creates a decoder for `options`.
    public init(options: LWTOptions, maxPayloadBytes: Int = 4096) {
        self.options = options
        self.maxPayloadBytes = maxPayloadBytes
        online = Set(options.online.map { $0.lowercased() })
        offline = Set(options.offline.map { $0.lowercased() })
        cleanOffline = Set(options.cleanOffline.map { $0.lowercased() })
    }

    /// Tasmota's `tele/<topic>/LWT` with `Online` / `Offline` (any prefix level is accepted).
    public static let tasmota = LWTDecoder(
        options: LWTOptions(clientID: .pattern([.any, .clientID, .literal("LWT")]))
    )

    public func decode(
        topic: String,
        payload: UnsafeRawBufferPointer,
        retained: Bool,
        receivedAt: Int64
    ) throws(DecodeError) -> DecodeOutcome {
        guard let clientID = options.clientID(in: topic) else {
            throw DecodeError(.unknownTopic, detail: "topic does not fit the configured Last-Will pattern")
        }
        if let outcome = try FeedText.preflight(
            topic: topic,
            payload: payload,
            retained: retained,
            limit: maxPayloadBytes
        ) {
            return outcome
        }
        let word: String
        var flag: Bool?
        if let field = options.jsonField {
            (word, flag) = try Self.jsonWord(payload, field: field)
        } else {
            word = try FeedText.text(payload, limit: maxPayloadBytes)
        }
        let key = word.lowercased()
        var event = StatusEvent(action: .connect, clientID: clientID, time: receivedAt, retained: retained)
        if online.contains(key) || flag == true {
            return .event(event)
        }
        event.action = .disconnect
        event.reasonText = word
        if offline.contains(key) || flag == false {
            (event.cause, event.initiator) = (.networkClosed, .network)
        } else if cleanOffline.contains(key) {
            (event.cause, event.initiator) = (.clean, .client)
        } else {
            throw DecodeError(
                .invalidValue,
                field: options.jsonField,
                detail: "'\(word.prefix(64))' is neither online nor offline"
            )
        }
        return .event(event)
    }

    /// The string (or `true`/`false`, then also as `flag`) in top-level `field` of a JSON object payload.
    static func jsonWord(
        _ payload: UnsafeRawBufferPointer,
        field: String
    ) throws(DecodeError) -> (word: String, flag: Bool?) {
        var scanner = JSONScanner(payload)
        var word: String?
        var flag: Bool?
        var problem: DecodeError?
        while let key = try scanner.nextKey() {
            guard key.makeString() == field else { continue }
            do throws(DecodeError) {
                switch try scanner.peekKind() {
                case .bool:
                    let value = try scanner.readBool(field: field)
                    (word, flag) = (value ? "true" : "false", value)
                default:
                    (word, flag) = (try scanner.readOptionalString(field: field), nil)
                }
            } catch {
                if error.code == .malformedJSON || error.code == .invalidUTF8 { throw error }
                problem = error
            }
        }
        if let problem { throw problem }
        guard let word else { throw DecodeError(.missingField, field: field, detail: "required field is missing") }
        return (word, flag)
    }
}
