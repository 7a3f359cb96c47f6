// Decoder for IBM Watson IoT Platform monitor ("status") topics, reference/FORMATS.md §1.

/// Decodes Watson IoT monitor-topic messages (`iot-2/type/{typeId}/id/{deviceId}/mon`,
/// `iot-2/app/{appId}/mon`) into ``StatusEvent``s.
///
/// The payload is read with ``JSONScanner`` directly from its bytes: no dictionaries or intermediate arrays
/// are built, and only the strings that end up in the event are allocated.
///
/// Field rules (FORMATS.md §1.3): `Action` and `ClientID` are required; `Time` defaults to the receive
/// time; `null` for an optional field means absent; unknown keys are skipped; a known field of the wrong
/// JSON type is `.wrongType`. `Certname` must be a string but is not kept; `ReadBytes`, `ReadMsg`,
/// `WriteBytes`, `WriteMsg` and `Durable` are accepted with any value and ignored. Duplicate keys: the last
/// one wins. When several fields are wrong, the error reported is the first one in the payload, and only
/// once the whole payload is known to be well-formed JSON (a syntax error takes precedence).
public struct WatsonIoTDecoder: Sendable {
    /// Payloads longer than this many bytes are rejected with `.payloadTooLarge` before being scanned.
    public var maxPayloadBytes: Int

    /// Creates a decoder that rejects payloads over `maxPayloadBytes` bytes.
    public init(maxPayloadBytes: Int = 65_536) {
        self.maxPayloadBytes = maxPayloadBytes
    }

    /// Decodes one message received on `topic`.
    ///
    /// - Parameters:
    ///   - topic: The MQTT topic the message arrived on.
    ///   - payload: The message payload; only read during the call.
    ///   - retained: The MQTT retain flag; copied into the event. An empty retained payload means the
    ///     retained status on `topic` was removed (``DecodeOutcome/topicCleared(topic:)``).
    ///   - receivedAt: Receive time in milliseconds since the Unix epoch, used when the payload has no `Time`.
    /// - Throws: ``DecodeError`` when the topic or payload cannot be decoded.
    public func decode(
        topic: String,
        payload: UnsafeRawBufferPointer,
        retained: Bool,
        receivedAt: Int64
    ) throws(DecodeError) -> DecodeOutcome {
        guard let parsedTopic = WatsonTopic(topic) else {
            throw DecodeError(.unknownTopic, detail: "not a Watson IoT monitor topic")
        }
        if payload.isEmpty {
            if retained { return .topicCleared(topic: topic) }
            throw DecodeError(.emptyPayload, detail: "empty payload")
        }
        guard payload.count <= maxPayloadBytes else {
            throw DecodeError(
                .payloadTooLarge,
                detail: "payload of \(payload.count) bytes exceeds the limit of \(maxPayloadBytes)"
            )
        }

        var scanner = JSONScanner(payload)
        var fields = Fields()
        var firstProblem: DecodeError?
        while let key = try scanner.nextKey() {
            do throws(DecodeError) {
                try Self.read(key: key, from: &scanner, into: &fields)
            } catch {
                // Syntax errors end the scan; value problems are reported once the JSON is known to be valid.
                if error.code == .malformedJSON || error.code == .invalidUTF8 { throw error }
                if firstProblem == nil { firstProblem = error }
            }
        }
        if let firstProblem { throw firstProblem }
        return .event(
            try makeEvent(fields, topic: topic, parsedTopic: parsedTopic, retained: retained, receivedAt: receivedAt)
        )
    }

    /// Decodes one message whose payload is a byte array; same rules as the `UnsafeRawBufferPointer` variant.
    public func decode(
        topic: String,
        payload: [UInt8],
        retained: Bool,
        receivedAt: Int64
    ) throws(DecodeError) -> DecodeOutcome {
        let result = payload.withUnsafeBytes { raw -> Result<DecodeOutcome, DecodeError> in
            do throws(DecodeError) {
                return .success(try decode(topic: topic, payload: raw, retained: retained, receivedAt: receivedAt))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: - Fields

    /// The payload fields connwatch keeps; strings stay tokens until the event is built.
    private struct Fields {
        var action: StatusAction?
        var clientID: JSONStringToken?
        var time: Int64?
        var clientAddress: JSONStringToken?
        var port: Int64?
        var secure: Bool?
        var protocolName: JSONStringToken?
        var user: JSONStringToken?
        var connectTime: Int64?
        var closeCode: Int64?
        var reason: JSONStringToken?
    }

    private enum Field {
        case action
        case clientID
        case time
        case clientAddress
        case port
        case secure
        case protocolName
        case user
        case certname
        case connectTime
        case closeCode
        case reason

        /// Every field with its JSON key, for keys that contain escapes (the rare, slow path).
        static let keyed: [(Field, StaticString)] = [
            (.action, "Action"), (.clientID, "ClientID"), (.time, "Time"), (.clientAddress, "ClientAddr"),
            (.port, "Port"), (.secure, "Secure"), (.protocolName, "Protocol"), (.user, "User"),
            (.certname, "Certname"), (.connectTime, "ConnectTime"), (.closeCode, "CloseCode"), (.reason, "Reason"),
        ]

        /// The field a key names, or `nil` for keys connwatch ignores. Compares raw bytes, no allocation.
        @inline(__always)
        init?(key: JSONStringToken) {
            if key.hasEscapes {
                guard let match = Self.keyed.first(where: { key.equals($0.1) }) else { return nil }
                self = match.0
                return
            }
            switch key.rawBytes.count {
            case 4:
                if key == "Time" {
                    self = .time
                } else if key == "Port" {
                    self = .port
                } else if key == "User" {
                    self = .user
                } else {
                    return nil
                }
            case 6:
                if key == "Action" {
                    self = .action
                } else if key == "Secure" {
                    self = .secure
                } else if key == "Reason" {
                    self = .reason
                } else {
                    return nil
                }
            case 8:
                if key == "ClientID" {
                    self = .clientID
                } else if key == "Protocol" {
                    self = .protocolName
                } else if key == "Certname" {
                    self = .certname
                } else {
                    return nil
                }
            case 9:
                guard key == "CloseCode" else { return nil }
                self = .closeCode
            case 10:
                guard key == "ClientAddr" else { return nil }
                self = .clientAddress
            case 11:
                guard key == "ConnectTime" else { return nil }
                self = .connectTime
            default:
                return nil
            }
        }
    }

    /// Reads the value of `key` into `fields`; values of unknown keys are left for the scanner to skip.
    @inline(__always)
    private static func read(
        key: JSONStringToken,
        from scanner: inout JSONScanner,
        into fields: inout Fields
    ) throws(DecodeError) {
        guard let field = Field(key: key) else { return }
        switch field {
        case .action:
            guard let token = try scanner.readOptionalStringToken(field: "Action") else {
                fields.action = nil
                return
            }
            if token == "Connect" {
                fields.action = .connect
            } else if token == "Disconnect" {
                fields.action = .disconnect
            } else if token == "FailedConnect" {
                fields.action = .failedConnect
            } else {
                throw DecodeError(
                    .invalidValue,
                    field: "Action",
                    offset: token.offset,
                    detail: "expected Connect, Disconnect or FailedConnect"
                )
            }
        case .clientID:
            fields.clientID = try scanner.readOptionalStringToken(field: "ClientID")
        case .time:
            fields.time = try readTimestamp(from: &scanner, field: "Time")
        case .clientAddress:
            fields.clientAddress = try scanner.readOptionalStringToken(field: "ClientAddr")
        case .port:
            fields.port = try scanner.readOptionalInt64(field: "Port")
        case .secure:
            fields.secure = try scanner.readOptionalBool(field: "Secure")
        case .protocolName:
            fields.protocolName = try scanner.readOptionalStringToken(field: "Protocol")
        case .user:
            fields.user = try scanner.readOptionalStringToken(field: "User")
        case .certname:
            _ = try scanner.readOptionalStringToken(field: "Certname")
        case .connectTime:
            fields.connectTime = try readTimestamp(from: &scanner, field: "ConnectTime")
        case .closeCode:
            fields.closeCode = try scanner.readOptionalInt64(field: "CloseCode")
        case .reason:
            fields.reason = try scanner.readOptionalStringToken(field: "Reason")
        }
    }

    /// Reads an optional ISO-8601 string; a string that is not a valid timestamp is `.invalidValue`.
    @inline(__always)
    private static func readTimestamp(from scanner: inout JSONScanner, field: String) throws(DecodeError) -> Int64? {
        guard let token = try scanner.readOptionalStringToken(field: field) else { return nil }
        let parsed = token.hasEscapes ? Timestamp.parseISO8601(token.makeString()) : Timestamp.parse(token.rawBytes)
        guard let parsed else {
            throw DecodeError(.invalidValue, field: field, offset: token.offset, detail: "not an ISO-8601 timestamp")
        }
        return parsed
    }

    // MARK: - Event

    private func makeEvent(
        _ fields: Fields,
        topic: String,
        parsedTopic: WatsonTopic,
        retained: Bool,
        receivedAt: Int64
    ) throws(DecodeError) -> StatusEvent {
        guard let action = fields.action else {
            throw DecodeError(.missingField, field: "Action", detail: "required field is missing")
        }
        guard let clientIDToken = fields.clientID else {
            throw DecodeError(.missingField, field: "ClientID", detail: "required field is missing")
        }
        guard !clientIDToken.rawBytes.isEmpty else {
            throw DecodeError(.invalidValue, field: "ClientID", offset: clientIDToken.offset, detail: "empty client id")
        }
        var reasonCode: Int?
        var cause: DisconnectCause?
        var initiator: DisconnectInitiator?
        if action != .connect {
            let closeCode = fields.closeCode ?? 0
            guard let code = Int(exactly: closeCode) else {
                throw DecodeError(.invalidValue, field: "CloseCode", detail: "close code out of range")
            }
            reasonCode = code
            if action == .failedConnect && code == 0 {
                // A failed connect without a code is still a refusal by the server.
                (cause, initiator) = (.auth, .server)
            } else {
                (cause, initiator) = WatsonCloseCode.classify(code)
            }
        }
        var port: Int?
        if let rawPort = fields.port {
            guard let value = Int(exactly: rawPort) else {
                throw DecodeError(.invalidValue, field: "Port", detail: "port out of range")
            }
            port = value
        }

        let clientID = clientIDToken.makeString()
        var identity: Identity?
        if clientIDToken.hasEscapes {
            var decoded = clientID
            identity = decoded.withUTF8 { Self.identity(fromClientID: $0) }
        } else {
            identity = Self.identity(fromClientID: clientIDToken.rawBytes)
        }
        let resolved = identity ?? Self.identity(fromTopic: parsedTopic, topic: topic)
        return StatusEvent(
            action: action,
            clientID: clientID,
            clientType: resolved.clientType,
            orgID: resolved.orgID,
            typeID: resolved.typeID,
            deviceID: resolved.deviceID,
            appID: resolved.appID,
            time: fields.time ?? receivedAt,
            connectTime: fields.connectTime,
            reasonCode: reasonCode,
            reasonText: action == .connect ? nil : fields.reason?.makeString(),
            cause: cause,
            initiator: initiator,
            protocolName: fields.protocolName?.makeString(),
            clientAddress: fields.clientAddress?.makeString(),
            port: port,
            secure: fields.secure,
            user: fields.user?.makeString(),
            retained: retained
        )
    }

    /// Who a message is about.
    private struct Identity {
        var clientType: ClientType = .unknown
        var orgID = ""
        var typeID = ""
        var deviceID = ""
        var appID = ""
    }

    /// The identity of a client id without a known prefix: type and device (or app) from the topic.
    private static func identity(fromTopic parsedTopic: WatsonTopic, topic: String) -> Identity {
        var identity = Identity()
        switch parsedTopic.kind {
        case .device(let type, let device):
            identity.typeID = parsedTopic.segment(type, of: topic)
            identity.deviceID = parsedTopic.segment(device, of: topic)
        case .application(let app):
            identity.appID = parsedTopic.segment(app, of: topic)
        }
        return identity
    }

    /// The identity in a `d:`/`g:`/`a:`/`A:` client id (FORMATS.md §1.5), or `nil` when the id has no known
    /// prefix or the wrong number of non-empty parts.
    private static func identity(fromClientID bytes: UnsafeBufferPointer<UInt8>) -> Identity? {
        // Colon positions; ids cannot contain ':' so at most three are valid.
        var colons = (0, 0, 0)
        var colonCount = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: ":") {
                switch colonCount {
                case 0: colons.0 = index
                case 1: colons.1 = index
                case 2: colons.2 = index
                default: return nil
                }
                colonCount += 1
            }
            index += 1
        }
        guard colonCount >= 2, colons.0 == 1 else { return nil }
        /// The non-empty text between two offsets, or `nil` if empty.
        func part(_ start: Int, _ end: Int) -> String? {
            guard start < end else { return nil }
            return makeValidatedString(UnsafeBufferPointer(rebasing: bytes[start..<end]))
        }
        let prefix = bytes[0]
        let end = bytes.count
        var identity = Identity()
        switch prefix {
        case UInt8(ascii: "d"), UInt8(ascii: "g"):
            guard colonCount == 3, colons.0 + 1 < colons.1, colons.1 + 1 < colons.2, colons.2 + 1 < end,
                let org = part(colons.0 + 1, colons.1), let type = part(colons.1 + 1, colons.2),
                let device = part(colons.2 + 1, end)
            else { return nil }
            identity.clientType = prefix == UInt8(ascii: "d") ? .device : .gateway
            identity.orgID = org
            identity.typeID = type
            identity.deviceID = device
        case UInt8(ascii: "a"):
            guard colonCount == 2, colons.0 + 1 < colons.1, colons.1 + 1 < end,
                let org = part(colons.0 + 1, colons.1), let app = part(colons.1 + 1, end)
            else { return nil }
            identity.clientType = .application
            identity.orgID = org
            identity.appID = app
        case UInt8(ascii: "A"):
            // `A:org:app` or `A:org:app:instance`; the instance id is not kept.
            let appEnd = colonCount == 3 ? colons.2 : end
            guard colons.0 + 1 < colons.1, colons.1 + 1 < appEnd, colonCount == 2 || colons.2 + 1 < end,
                let org = part(colons.0 + 1, colons.1), let app = part(colons.1 + 1, appEnd)
            else { return nil }
            identity.clientType = .scalableApplication
            identity.orgID = org
            identity.appID = app
        default:
            return nil
        }
        return identity
    }
}

/// A parsed Watson IoT monitor topic; segments are UTF-8 byte ranges into the topic string.
private struct WatsonTopic {
    enum Kind {
        case device(type: Range<Int>, device: Range<Int>)
        case application(app: Range<Int>)
    }

    let kind: Kind

    /// Parses `iot-2/type/{typeId}/id/{deviceId}/mon` or `iot-2/app/{appId}/mon`; `nil` for anything else
    /// (including empty ids and ids with MQTT wildcards).
    init?(_ topic: String) {
        var text = topic
        guard let kind = text.withUTF8({ Self.parse($0) }) else { return nil }
        self.kind = kind
    }

    /// The text of a segment of `topic`.
    func segment(_ range: Range<Int>, of topic: String) -> String {
        let utf8 = topic.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
        let end = utf8.index(start, offsetBy: range.count)
        return String(decoding: utf8[start..<end], as: UTF8.self)
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Kind? {
        var position = 0
        guard skip("iot-2/", in: bytes, at: &position) else { return nil }
        if skip("type/", in: bytes, at: &position) {
            guard let type = segment(in: bytes, at: &position), skip("/id/", in: bytes, at: &position),
                let device = segment(in: bytes, at: &position), skip("/mon", in: bytes, at: &position),
                position == bytes.count
            else { return nil }
            return .device(type: type, device: device)
        }
        if skip("app/", in: bytes, at: &position) {
            guard let app = segment(in: bytes, at: &position), skip("/mon", in: bytes, at: &position),
                position == bytes.count
            else { return nil }
            return .application(app: app)
        }
        return nil
    }

    /// Consumes `text` at `position` if the bytes there match it.
    @inline(__always)
    private static func skip(_ text: StaticString, in bytes: UnsafeBufferPointer<UInt8>, at position: inout Int) -> Bool
    {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let token = JSONStringToken(
            rawBytes: UnsafeBufferPointer(rebasing: bytes[position..<position + count]),
            hasEscapes: false,
            offset: position
        )
        guard token == text else { return false }
        position += count
        return true
    }

    /// Consumes a non-empty segment up to the next '/' (not consumed); `nil` if empty or it holds a wildcard.
    @inline(__always)
    private static func segment(in bytes: UnsafeBufferPointer<UInt8>, at position: inout Int) -> Range<Int>? {
        let start = position
        while position < bytes.count && bytes[position] != UInt8(ascii: "/") {
            let byte = bytes[position]
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "#") { return nil }
            position += 1
        }
        return start < position ? start..<position : nil
    }
}
