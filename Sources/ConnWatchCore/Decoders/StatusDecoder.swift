// The shape every monitor-feed decoder shares, and small helpers for topics and plain-text payloads.

/// A pure decoder of one monitor-feed format: `(topic, payload, retained, receivedAt)` → event.
public protocol StatusDecoder: Sendable {
    /// Decodes one message received on `topic`; `receivedAt` (milliseconds since the Unix epoch) is the
    /// event time when the payload carries none. Never traps on any input.
    func decode(
        topic: String,
        payload: UnsafeRawBufferPointer,
        retained: Bool,
        receivedAt: Int64
    ) throws(DecodeError) -> DecodeOutcome
}

extension StatusDecoder {
    /// Decodes a payload held in a byte array; same rules as the `UnsafeRawBufferPointer` variant.
    public func decode(
        topic: String,
        bytes: [UInt8],
        retained: Bool,
        receivedAt: Int64
    ) throws(DecodeError) -> DecodeOutcome {
        let result = bytes.withUnsafeBytes { raw -> Result<DecodeOutcome, DecodeError> in
            do throws(DecodeError) {
                return .success(try decode(topic: topic, payload: raw, retained: retained, receivedAt: receivedAt))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

extension WatsonIoTDecoder: StatusDecoder {}

/// Helpers shared by the decoders.
enum FeedText {
    /// The levels of a topic (`a/b/c` → `[a, b, c]`; empty levels kept; see ``TopicLevels``).
    static func levels(_ topic: String) -> [Substring] {
        TopicLevels.split(topic)
    }

    /// The payload as text with surrounding ASCII whitespace removed, or `.invalidUTF8`.
    static func text(_ payload: UnsafeRawBufferPointer, limit: Int) throws(DecodeError) -> String {
        guard payload.count <= limit else {
            throw DecodeError(
                .payloadTooLarge,
                detail: "payload of \(payload.count) bytes exceeds the limit of \(limit)"
            )
        }
        guard let text = String(validating: payload.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw DecodeError(.invalidUTF8, detail: "payload is not UTF-8")
        }
        return String(text.trimmingASCIIWhitespace())
    }

    /// Rejects oversized payloads and returns `.topicCleared` for an empty retained one; throws
    /// `.emptyPayload` for an empty live one. Returns `nil` when decoding should go on.
    static func preflight(
        topic: String,
        payload: UnsafeRawBufferPointer,
        retained: Bool,
        limit: Int
    ) throws(DecodeError) -> DecodeOutcome? {
        if payload.isEmpty {
            if retained { return .topicCleared(topic: topic) }
            throw DecodeError(.emptyPayload, detail: "empty payload")
        }
        guard payload.count <= limit else {
            throw DecodeError(
                .payloadTooLarge,
                detail: "payload of \(payload.count) bytes exceeds the limit of \(limit)"
            )
        }
        return nil
    }

    /// `true` when the level holds no MQTT wildcard and is not empty.
    static func isPlainLevel(_ level: Substring) -> Bool {
        !level.isEmpty && !level.contains("+") && !level.contains("#")
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex..<endIndex]
        }
        return self[first...last]
    }
}
