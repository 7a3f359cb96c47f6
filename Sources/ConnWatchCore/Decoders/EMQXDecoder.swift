// Decoder for EMQX client online/offline system messages, reference/FORMATS.md §4.

/// Decodes EMQX 4.x and 5.x `$SYS/brokers/{node}/clients/{clientid}/connected|disconnected` messages
/// (also the 5.x gateway form `$SYS/brokers/{node}/gateway/{name}/clients/{clientid}/…`).
///
/// A client id with `/` in it spans several topic levels; it is read from the payload's `clientid`, else
/// from the levels between `clients` and the event. The event time is `connected_at` / `disconnected_at`,
/// else `ts`, else the receive time. `reason` is kept as the reason text, its MQTT 5 code (when it is an
/// MQTT 5 reason name) as the reason code, and it is classified with ``EMQXDisconnectReason``.
/// `proto_ver` 3/4/5 becomes the protocol name `mqtt3`/`mqtt4`/`mqtt5`.
public struct EMQXDecoder: StatusDecoder {
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
        guard levels.count >= 6, levels[0] == "$SYS", levels[1] == "brokers", FeedText.isPlainLevel(levels[2]) else {
            throw DecodeError(.unknownTopic, detail: "not an EMQX client system topic")
        }
        let idStart: Int
        if levels[3] == "clients" {
            idStart = 4
        } else if levels[3] == "gateway", levels.count >= 8, levels[5] == "clients" {
            idStart = 6
        } else {
            throw DecodeError(.unknownTopic, detail: "not an EMQX client system topic")
        }
        let action: StatusAction
        switch levels[levels.count - 1] {
        case "connected": action = .connect
        case "disconnected": action = .disconnect
        default: throw DecodeError(.unknownTopic, detail: "not an EMQX connected/disconnected topic")
        }
        let idLevels = levels[idStart..<(levels.count - 1)]
        guard !idLevels.isEmpty, idLevels.allSatisfy({ !$0.contains("+") && !$0.contains("#") }) else {
            throw DecodeError(.unknownTopic, detail: "EMQX topic without a client id")
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
        var user: String?
        var address: String?
        var port: Int64?
        var protocolVersion: Int64?
        var connectedAt: Int64?
        var disconnectedAt: Int64?
        var ts: Int64?
        var reason: String?
        var firstProblem: DecodeError?
        while let key = try scanner.nextKey() {
            do throws(DecodeError) {
                if key == "clientid" {
                    clientID = try scanner.readOptionalString(field: "clientid")
                } else if key == "username" {
                    user = try scanner.readOptionalString(field: "username")
                } else if key == "ipaddress" {
                    address = try scanner.readOptionalString(field: "ipaddress")
                } else if key == "sockport" {
                    port = try scanner.readOptionalInt64(field: "sockport")
                } else if key == "proto_ver" {
                    protocolVersion = try scanner.readOptionalInt64(field: "proto_ver")
                } else if key == "connected_at" {
                    connectedAt = try scanner.readOptionalInt64(field: "connected_at")
                } else if key == "disconnected_at" {
                    disconnectedAt = try scanner.readOptionalInt64(field: "disconnected_at")
                } else if key == "ts" {
                    ts = try scanner.readOptionalInt64(field: "ts")
                } else if key == "reason" {
                    reason = try scanner.readOptionalString(field: "reason")
                }
            } catch {
                if error.code == .malformedJSON || error.code == .invalidUTF8 { throw error }
                if firstProblem == nil { firstProblem = error }
            }
        }
        if let firstProblem { throw firstProblem }
        let id = clientID ?? idLevels.joined(separator: "/")
        guard !id.isEmpty else { throw DecodeError(.invalidValue, field: "clientid", detail: "empty client id") }
        var portValue: Int?
        if let port {
            guard (0...65_535).contains(port) else {
                throw DecodeError(.invalidValue, field: "sockport", detail: "port out of range")
            }
            portValue = Int(port)
        }
        var protocolName: String?
        if let protocolVersion {
            guard (0...255).contains(protocolVersion) else {
                throw DecodeError(.invalidValue, field: "proto_ver", detail: "protocol version out of range")
            }
            protocolName = "mqtt\(protocolVersion)"
        }
        var event = StatusEvent(
            action: action,
            clientID: id,
            time: (action == .connect ? connectedAt : disconnectedAt) ?? ts ?? receivedAt,
            connectTime: action == .disconnect ? connectedAt : nil,
            protocolName: protocolName,
            clientAddress: address,
            port: portValue,
            user: user,
            retained: retained
        )
        if action == .disconnect {
            event.reasonText = reason
            if let reason {
                event.reasonCode = MQTTReasonCode.code(named: reason)
                (event.cause, event.initiator) = EMQXDisconnectReason.classify(reason)
            } else {
                (event.cause, event.initiator) = (.unknown, .unknown)
            }
        }
        return .event(event)
    }
}
