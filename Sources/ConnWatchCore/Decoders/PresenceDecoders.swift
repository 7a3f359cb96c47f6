// Decoders for the Homie, Zigbee2MQTT and Sparkplug B presence conventions, reference/FORMATS.md §5.2–§5.4.

/// Decodes Homie device state: v3/v4 `{base}/{device}/$state`, v5 `{base}/5/{device}/$state` and v2
/// `{base}/{device}/$online` (`true`/`false`). The client id is the device id.
///
/// `init`, `ready` and (≤ v4) `alert` are connected; `disconnected` and `sleeping` are announced, clean
/// disconnects (`.clean` / `.client`); `lost` is the Will (`.networkClosed` / `.network`). The state word is
/// the reason text. An empty retained `$state` means the device was removed.
public struct HomieDecoder: StatusDecoder {
    /// Creates the decoder.
    public init() {}

    public func decode(
        topic: String,
        payload: UnsafeRawBufferPointer,
        retained: Bool,
        receivedAt: Int64
    ) throws(DecodeError) -> DecodeOutcome {
        let levels = FeedText.levels(topic)
        let device: Substring
        let legacy: Bool
        switch (levels.count, levels.last) {
        case (3, "$state"?): (device, legacy) = (levels[1], false)
        case (4, "$state"?) where levels[1] == "5": (device, legacy) = (levels[2], false)
        case (3, "$online"?): (device, legacy) = (levels[1], true)
        default: throw DecodeError(.unknownTopic, detail: "not a Homie $state topic")
        }
        guard FeedText.isPlainLevel(device), FeedText.isPlainLevel(levels[0]) else {
            throw DecodeError(.unknownTopic, detail: "Homie topic without a device id")
        }
        if let outcome = try FeedText.preflight(topic: topic, payload: payload, retained: retained, limit: 256) {
            return outcome
        }
        let word = try FeedText.text(payload, limit: 256)
        var event = StatusEvent(action: .connect, clientID: String(device), time: receivedAt, retained: retained)
        switch (legacy, word) {
        case (false, "init"), (false, "ready"), (false, "alert"), (true, "true"):
            return .event(event)
        case (false, "disconnected"), (false, "sleeping"):
            (event.cause, event.initiator) = (.clean, .client)
        case (false, "lost"), (true, "false"):
            (event.cause, event.initiator) = (.networkClosed, .network)
        default:
            throw DecodeError(.invalidValue, detail: "'\(word.prefix(64))' is not a Homie state")
        }
        event.action = .disconnect
        event.reasonText = word
        return .event(event)
    }
}

/// Decodes Zigbee2MQTT availability: `{base}/bridge/state` (the bridge itself; client id = the base topic)
/// and `{base}/{friendly_name}/availability` (client id = the friendly name, which may contain `/`).
///
/// Payloads are plain `online`/`offline` (1.x legacy) or JSON `{"state":"online"|"offline"}` (2.x).
/// Offline is classified `.networkClosed` / `.network`: it is the bridge's Will, or Zigbee2MQTT's own
/// verdict that a device stopped answering.
public struct Zigbee2MQTTDecoder: StatusDecoder {
    /// Creates the decoder.
    public init() {}

    public func decode(
        topic: String,
        payload: UnsafeRawBufferPointer,
        retained: Bool,
        receivedAt: Int64
    ) throws(DecodeError) -> DecodeOutcome {
        let levels = FeedText.levels(topic)
        let clientID: String
        if levels.count == 3, levels[1] == "bridge", levels[2] == "state", FeedText.isPlainLevel(levels[0]) {
            clientID = String(levels[0])
        } else if levels.count >= 3, levels[levels.count - 1] == "availability",
            levels[1..<(levels.count - 1)].allSatisfy(FeedText.isPlainLevel)
        {
            clientID = levels[1..<(levels.count - 1)].joined(separator: "/")
        } else {
            throw DecodeError(.unknownTopic, detail: "not a Zigbee2MQTT availability topic")
        }
        if let outcome = try FeedText.preflight(topic: topic, payload: payload, retained: retained, limit: 4096) {
            return outcome
        }
        let word: String
        if payload.first == UInt8(ascii: "{") {
            word = try LWTDecoder.jsonWord(payload, field: "state").word
        } else {
            word = try FeedText.text(payload, limit: 4096)
        }
        var event = StatusEvent(action: .connect, clientID: clientID, time: receivedAt, retained: retained)
        switch word.lowercased() {
        case "online": return .event(event)
        case "offline":
            event.action = .disconnect
            event.reasonText = word
            (event.cause, event.initiator) = (.networkClosed, .network)
            return .event(event)
        default:
            throw DecodeError(
                .invalidValue,
                field: "state",
                detail: "'\(word.prefix(64))' is neither online nor offline"
            )
        }
    }
}

/// Decodes Sparkplug B presence by topic: `spBv1.0/{group}/NBIRTH|NDEATH/{edge}` (client id `group/edge`,
/// type gateway), `spBv1.0/{group}/DBIRTH|DDEATH/{edge}/{device}` (`group/edge/device`, type device) and
/// host application state `spBv1.0/STATE/{host}` (JSON `{"online":…,"timestamp":…}`) or, before 3.0,
/// `STATE/{host}` (`ONLINE`/`OFFLINE`), type application.
///
/// Birth and death payloads are protobuf and are not read (so a stale NDEATH cannot be told apart by its
/// `bdSeq`). NDEATH and an offline STATE are Wills (`.networkClosed` / `.network`); DDEATH is reported by
/// the edge node without a reason (`.unknown` / `.unknown`). Other Sparkplug message types are unknown topics.
public struct SparkplugDecoder: StatusDecoder {
    /// Creates the decoder.
    public init() {}

    public func decode(
        topic: String,
        payload: UnsafeRawBufferPointer,
        retained: Bool,
        receivedAt: Int64
    ) throws(DecodeError) -> DecodeOutcome {
        let levels = FeedText.levels(topic)
        guard levels.allSatisfy(FeedText.isPlainLevel) else {
            throw DecodeError(.unknownTopic, detail: "not a Sparkplug B presence topic")
        }
        if payload.isEmpty && retained { return .topicCleared(topic: topic) }
        if levels.count == 2 && levels[0] == "STATE" {
            return .event(
                try hostState(String(levels[1]), payload, retained: retained, receivedAt: receivedAt, json: false)
            )
        }
        guard levels.count >= 3, levels[0] == "spBv1.0" else {
            throw DecodeError(.unknownTopic, detail: "not a Sparkplug B presence topic")
        }
        if levels.count == 3 && levels[1] == "STATE" {
            return .event(
                try hostState(String(levels[2]), payload, retained: retained, receivedAt: receivedAt, json: true)
            )
        }
        var event = StatusEvent(action: .connect, clientID: "", time: receivedAt, retained: retained)
        switch (levels.count, levels[2]) {
        case (4, "NBIRTH"), (4, "NDEATH"):
            event.clientID = "\(levels[1])/\(levels[3])"
            event.clientType = .gateway
            if levels[2] == "NDEATH" {
                event.action = .disconnect
                (event.cause, event.initiator) = (.networkClosed, .network)
            }
        case (5, "DBIRTH"), (5, "DDEATH"):
            event.clientID = "\(levels[1])/\(levels[3])/\(levels[4])"
            event.clientType = .device
            if levels[2] == "DDEATH" {
                event.action = .disconnect
                (event.cause, event.initiator) = (.unknown, .unknown)
            }
        default:
            throw DecodeError(.unknownTopic, detail: "not a Sparkplug B birth, death or STATE topic")
        }
        if event.action == .disconnect { event.reasonText = String(levels[2]) }
        return .event(event)
    }

    private func hostState(
        _ host: String,
        _ payload: UnsafeRawBufferPointer,
        retained: Bool,
        receivedAt: Int64,
        json: Bool
    ) throws(DecodeError) -> StatusEvent {
        guard !payload.isEmpty else { throw DecodeError(.emptyPayload, detail: "empty payload") }
        guard payload.count <= 4096 else {
            throw DecodeError(.payloadTooLarge, detail: "payload of \(payload.count) bytes exceeds the limit of 4096")
        }
        var online: Bool?
        var time: Int64?
        if json && payload.first == UInt8(ascii: "{") {
            var scanner = JSONScanner(payload)
            var problem: DecodeError?
            while let key = try scanner.nextKey() {
                do throws(DecodeError) {
                    if key == "online" {
                        online = try scanner.readBool(field: "online")
                    } else if key == "timestamp" {
                        time = try scanner.readOptionalInt64(field: "timestamp")
                    }
                } catch {
                    if error.code == .malformedJSON || error.code == .invalidUTF8 { throw error }
                    if problem == nil { problem = error }
                }
            }
            if let problem { throw problem }
            guard online != nil else {
                throw DecodeError(.missingField, field: "online", detail: "required field is missing")
            }
        } else {
            switch try FeedText.text(payload, limit: 4096).uppercased() {
            case "ONLINE": online = true
            case "OFFLINE": online = false
            default: throw DecodeError(.invalidValue, detail: "STATE payload is neither ONLINE nor OFFLINE")
            }
        }
        var event = StatusEvent(
            action: .connect,
            clientID: host,
            clientType: .application,
            time: time ?? receivedAt,
            retained: retained
        )
        if online == false {
            event.action = .disconnect
            event.reasonText = "OFFLINE"
            (event.cause, event.initiator) = (.networkClosed, .network)
        }
        return event
    }
}
