import Testing

@testable import ConnWatchCore

private let receivedAt: Int64 = 1_700_000_000_000

/// Decodes `payload` on `topic` with `decoder`, returning the outcome or the error.
private func run(
    _ decoder: some StatusDecoder,
    _ topic: String,
    _ payload: String,
    retained: Bool = false
) -> Result<DecodeOutcome, DecodeError> {
    runBytes(decoder, topic, Array(payload.utf8), retained: retained)
}

private func runBytes(
    _ decoder: some StatusDecoder,
    _ topic: String,
    _ bytes: [UInt8],
    retained: Bool = false
) -> Result<DecodeOutcome, DecodeError> {
    do throws(DecodeError) {
        return .success(try decoder.decode(topic: topic, bytes: bytes, retained: retained, receivedAt: receivedAt))
    } catch {
        return .failure(error)
    }
}

private func event(_ result: Result<DecodeOutcome, DecodeError>) -> StatusEvent? {
    if case .success(.event(let event)) = result { return event }
    return nil
}

private func failure(_ result: Result<DecodeOutcome, DecodeError>) -> DecodeError.Code? {
    if case .failure(let error) = result { return error.code }
    return nil
}

// MARK: - AWS IoT (FORMATS.md §3.6)

@Suite struct AWSIoTDecoderTests {
    let decoder = AWSIoTDecoder()

    @Test func connectedExample() throws {
        let payload = """
            {"clientId":"186b5","thingName":"exampleThing","timestamp":1573002230757,"eventType":"connected",
             "sessionIdentifier":"00000000-0000-0000-0000-000000000000",
             "principalIdentifier":"12345678901234567890123456789012","ipAddress":"192.0.2.0","versionNumber":0}
            """
        let decoded = try #require(event(run(decoder, "$aws/events/presence/connected/186b5", payload)))
        #expect(decoded.action == .connect)
        #expect(decoded.clientID == "186b5")
        #expect(decoded.clientType == .unknown)
        #expect(decoded.time == 1_573_002_230_757)
        #expect(decoded.clientAddress == "192.0.2.0")
        #expect(decoded.sequence == 0)
        #expect(decoded.cause == nil)
    }

    @Test func disconnectedExamples() throws {
        let clean = """
            {"clientId":"186b5","thingName":"exampleThing","timestamp":1573002340451,"eventType":"disconnected",
             "sessionIdentifier":"00000000-0000-0000-0000-000000000000",
             "principalIdentifier":"12345678901234567890123456789012","clientInitiatedDisconnect":true,
             "disconnectReason":"CLIENT_INITIATED_DISCONNECT","versionNumber":0}
            """
        let first = try #require(event(run(decoder, "$aws/events/presence/disconnected/186b5", clean)))
        #expect(first.action == .disconnect)
        #expect(first.cause == .clean && first.initiator == .client)
        #expect(first.reasonText == "CLIENT_INITIATED_DISCONNECT")
        #expect(first.sequence == 0)

        let keepAlive = """
            {"clientId":"pump-17","timestamp":1714651200123,"eventType":"disconnected",
             "sessionIdentifier":"6f1c2a9e-4b7d-4c59-9a51-0d3f2b7e8c11","principalIdentifier":"a1b2c3d4e5f6...",
             "clientInitiatedDisconnect":false,"disconnectReason":"MQTT_KEEP_ALIVE_TIMEOUT","versionNumber":42}
            """
        let second = try #require(event(run(decoder, "$aws/events/presence/disconnected/pump-17", keepAlive)))
        #expect(second.cause == .keepAliveTimeout && second.initiator == .network)
        #expect(second.sequence == 42)
        #expect(second.time == 1_714_651_200_123)
    }

    @Test func connectFailedExample() throws {
        let payload = """
            {"clientId":"186b5","thingName":"exampleThing","timestamp":1460065214626,"eventType":"connect_failed",
             "connectFailureReason":"AUTHORIZATION_FAILED","principalIdentifier":"12345678901234567890123456789012",
             "sessionIdentifier":"00000000-0000-0000-0000-000000000000","ipAddress":"192.0.2.0"}
            """
        let decoded = try #require(event(run(decoder, "$aws/events/presence/connect_failed/186b5", payload)))
        #expect(decoded.action == .failedConnect)
        #expect(decoded.cause == .auth && decoded.initiator == .server)
        #expect(decoded.reasonText == "AUTHORIZATION_FAILED")
        #expect(decoded.sequence == nil)
    }

    @Test(arguments: [
        ("CONNECTION_LOST", DisconnectCause.networkClosed, DisconnectInitiator.network),
        ("DUPLICATE_CLIENTID", .sessionTakeover, .server),
        ("AUTH_ERROR", .auth, .server),
        ("FORBIDDEN_ACCESS", .auth, .server),
        ("API_INITIATED_DISCONNECT", .adminKick, .server),
        ("SERVER_INITIATED_DISCONNECT", .serverShutdown, .server),
        ("THROTTLED", .limits, .server),
        ("CLIENT_ERROR", .protocolError, .server),
        ("SERVER_ERROR", .serverFault, .server),
        ("WEBSOCKET_TTL_EXPIRATION", .ttlExpiry, .server),
        ("CUSTOMAUTH_TTL_EXPIRATION", .ttlExpiry, .server),
        ("SOMETHING_NEW", .unknown, .unknown),
    ])
    func disconnectReasons(reason: String, cause: DisconnectCause, initiator: DisconnectInitiator) throws {
        let payload = #"{"clientId":"c","timestamp":1,"eventType":"disconnected","disconnectReason":"\#(reason)"}"#
        let decoded = try #require(event(run(decoder, "$aws/events/presence/disconnected/c", payload)))
        #expect(decoded.cause == cause)
        #expect(decoded.initiator == initiator)
        #expect(decoded.reasonText == reason)
    }

    @Test func clientIDFromTopicAndReceiveTime() throws {
        let decoded = try #require(event(run(decoder, "$aws/events/presence/connected/dev-9", "{}")))
        #expect(decoded.clientID == "dev-9")
        #expect(decoded.time == receivedAt)
        let slashed = try #require(event(run(decoder, "$aws/events/presence/disconnected/site/dev-9", "{}")))
        #expect(slashed.clientID == "site/dev-9")
        #expect(slashed.cause == .unknown)
    }

    @Test func malformedInputs() {
        let topic = "$aws/events/presence/connected/c"
        #expect(failure(run(decoder, "$aws/events/subscriptions/subscribed/c", "{}")) == .unknownTopic)
        #expect(failure(run(decoder, "$aws/events/presence/connected/+", "{}")) == .unknownTopic)
        #expect(failure(run(decoder, "$aws/events/presence/connected", "{}")) == .unknownTopic)
        #expect(failure(run(decoder, topic, "")) == .emptyPayload)
        #expect(failure(run(decoder, topic, "{\"clientId\":")) == .malformedJSON)
        #expect(failure(run(decoder, topic, "[1]")) == .wrongType)
        #expect(failure(run(decoder, topic, #"{"timestamp":"soon"}"#)) == .wrongType)
        #expect(failure(run(decoder, topic, #"{"versionNumber":1.5}"#)) == .invalidValue)
        #expect(failure(run(decoder, topic, #"{"versionNumber":-1}"#)) == .invalidValue)
        #expect(failure(run(decoder, topic, #"{"eventType":"disconnected"}"#)) == .invalidValue)
        #expect(failure(run(decoder, topic, #"{"clientId":""}"#)) == .invalidValue)
        #expect(failure(runBytes(decoder, topic, [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])) == .invalidUTF8)
        if case .success(.topicCleared(let cleared)) = run(decoder, topic, "", retained: true) {
            #expect(cleared == topic)
        } else {
            Issue.record("an empty retained payload must clear the topic")
        }
    }
}

// MARK: - EMQX (FORMATS.md §4.4)

@Suite struct EMQXDecoderTests {
    let decoder = EMQXDecoder()

    @Test func connectedExample4x() throws {
        let payload = """
            {"username":"foo","ts":1625572213873,"sockport":1883,"proto_ver":4,"proto_name":"MQTT","keepalive":60,
             "ipaddress":"127.0.0.1","expiry_interval":0,"connected_at":1625572213873,"connack":0,
             "clientid":"emqtt-8348fe27a87976ad4db3","clean_start":true}
            """
        let topic = "$SYS/brokers/emqx@127.0.0.1/clients/emqtt-8348fe27a87976ad4db3/connected"
        let decoded = try #require(event(run(decoder, topic, payload)))
        #expect(decoded.action == .connect)
        #expect(decoded.clientID == "emqtt-8348fe27a87976ad4db3")
        #expect(decoded.user == "foo")
        #expect(decoded.port == 1883)
        #expect(decoded.protocolName == "mqtt4")
        #expect(decoded.clientAddress == "127.0.0.1")
        #expect(decoded.time == 1_625_572_213_873)
        #expect(decoded.cause == nil)
    }

    @Test func disconnectedExamples() throws {
        let v4 = """
            {"username":"foo","ts":1625572213873,"sockport":1883,"reason":"tcp_closed","proto_ver":4,
             "proto_name":"MQTT","ipaddress":"127.0.0.1","disconnected_at":1625572213873,
             "clientid":"emqtt-8348fe27a87976ad4db3"}
            """
        let first = try #require(
            event(run(decoder, "$SYS/brokers/emqx@127.0.0.1/clients/emqtt-8348fe27a87976ad4db3/disconnected", v4))
        )
        #expect(first.action == .disconnect)
        #expect(first.cause == .networkClosed && first.initiator == .network)
        #expect(first.reasonText == "tcp_closed")
        #expect(first.reasonCode == nil)

        let v5 = """
            {"clientid":"pump-17","username":"pump","ipaddress":"198.51.100.23","sockport":8883,"protocol":"mqtt",
             "proto_name":"MQTT","proto_ver":5,"connected_at":1714650000000,"ts":1714651200456,
             "reason":"keepalive_timeout","disconnected_at":1714651200455}
            """
        let second = try #require(event(run(decoder, "$SYS/brokers/emqx@node1/clients/pump-17/disconnected", v5)))
        #expect(second.cause == .keepAliveTimeout && second.initiator == .network)
        #expect(second.reasonCode == 0x8D)
        #expect(second.time == 1_714_651_200_455)
        #expect(second.connectTime == 1_714_650_000_000)
        #expect(second.protocolName == "mqtt5")
    }

    @Test(arguments: [
        ("normal", DisconnectCause.clean, DisconnectInitiator.client),
        ("kicked", .adminKick, .server),
        ("not_authorized", .auth, .server),
        ("ssl_closed", .networkClosed, .network),
        ("discarded", .sessionTakeover, .server),
        ("takenover", .sessionTakeover, .server),
        ("internal_error", .serverFault, .server),
        ("server_shutting_down", .serverShutdown, .server),
        ("quota_exceeded", .limits, .server),
        ("malformed_packet", .protocolError, .server),
        ("administrative_action", .adminKick, .server),
        ("something_else", .unknown, .unknown),
    ])
    func reasons(reason: String, cause: DisconnectCause, initiator: DisconnectInitiator) throws {
        let payload = #"{"clientid":"c","reason":"\#(reason)"}"#
        let decoded = try #require(event(run(decoder, "$SYS/brokers/n/clients/c/disconnected", payload)))
        #expect(decoded.cause == cause)
        #expect(decoded.initiator == initiator)
    }

    @Test func clientIDWithSlashesAndGatewayTopics() throws {
        let slash = try #require(event(run(decoder, "$SYS/brokers/n/clients/site/a/connected", #"{"ts":5}"#)))
        #expect(slash.clientID == "site/a")
        #expect(slash.time == 5)
        let gateway = try #require(
            event(run(decoder, "$SYS/brokers/n/gateway/coap/clients/dev1/disconnected", #"{"reason":"normal"}"#))
        )
        #expect(gateway.clientID == "dev1")
        #expect(gateway.cause == .clean)
    }

    @Test func malformedInputs() {
        let topic = "$SYS/brokers/n/clients/c/connected"
        #expect(failure(run(decoder, "$SYS/brokers/n/clients/c/subscribed", "{}")) == .unknownTopic)
        #expect(failure(run(decoder, "$SYS/brokers/n/version", "5.0")) == .unknownTopic)
        #expect(failure(run(decoder, "$SYS/brokers/n/clients/connected", "{}")) == .unknownTopic)
        #expect(failure(run(decoder, topic, "")) == .emptyPayload)
        #expect(failure(run(decoder, topic, "{\"clientid\":\"c\"")) == .malformedJSON)
        #expect(failure(run(decoder, topic, #"{"sockport":70000}"#)) == .invalidValue)
        #expect(failure(run(decoder, topic, #"{"ts":"now"}"#)) == .wrongType)
        #expect(failure(runBytes(decoder, topic, Array(repeating: 0x20, count: 70_000))) == .payloadTooLarge)
    }
}

// MARK: - Last-Will conventions (FORMATS.md §5)

@Suite struct LWTDecoderTests {
    @Test func tasmotaPreset() throws {
        let decoder = LWTDecoder.tasmota
        let online = try #require(event(run(decoder, "tele/kitchen-light/LWT", "Online", retained: true)))
        #expect(online.action == .connect)
        #expect(online.clientID == "kitchen-light")
        #expect(online.retained)
        #expect(online.time == receivedAt)
        let offline = try #require(event(run(decoder, "tele/kitchen-light/LWT", "offline\n")))
        #expect(offline.action == .disconnect)
        #expect(offline.cause == .networkClosed && offline.initiator == .network)
        #expect(offline.reasonText == "offline")
        if case .success(.topicCleared) = run(decoder, "tele/kitchen-light/LWT", "", retained: true) {
        } else {
            Issue.record("an empty retained payload must clear the topic")
        }
        #expect(failure(run(decoder, "tele/kitchen-light/STATE", "Online")) == .unknownTopic)
        #expect(failure(run(decoder, "tele/kitchen-light/LWT", "maybe")) == .invalidValue)
        #expect(failure(run(decoder, "tele/kitchen-light/LWT", "")) == .emptyPayload)
        #expect(failure(runBytes(decoder, "tele/k/LWT", [0xC3, 0x28])) == .invalidUTF8)
    }

    @Test func customWordsLevelAndJSONField() throws {
        let options = LWTOptions(
            clientID: .level(3),
            online: ["UP"],
            offline: ["Dead"],
            cleanOffline: ["bye"],
            jsonField: "status"
        )
        let decoder = LWTDecoder(options: options)
        let up = try #require(event(run(decoder, "site/status/pump-1", #"{"status":"up","x":[1,{"y":2}]}"#)))
        #expect(up.action == .connect && up.clientID == "pump-1")
        let dead = try #require(event(run(decoder, "site/status/pump-1", #"{"status":"DEAD"}"#)))
        #expect(dead.cause == .networkClosed)
        let bye = try #require(event(run(decoder, "site/status/pump-1", #"{"status":"bye"}"#)))
        #expect(bye.cause == .clean && bye.initiator == .client)
        let flag = try #require(event(run(decoder, "site/status/pump-1", #"{"status":false}"#)))
        #expect(flag.action == .disconnect)
        #expect(failure(run(decoder, "site/status/pump-1", #"{"other":"up"}"#)) == .missingField)
        #expect(failure(run(decoder, "site/status/pump-1", #"{"status":1}"#)) == .wrongType)
        #expect(failure(run(decoder, "site/status/pump-1", "up")) == .malformedJSON)
        #expect(failure(run(decoder, "site/status", #"{"status":"up"}"#)) == .unknownTopic)
    }

    @Test func namedCapturePattern() throws {
        guard case .success(let levels) = LWTOptions.parsePattern("devices/+/{client_id}/avail/#") else {
            Issue.record("pattern rejected")
            return
        }
        let decoder = LWTDecoder(options: LWTOptions(clientID: .pattern(levels)))
        #expect(event(run(decoder, "devices/eu/d7/avail", "online"))?.clientID == "d7")
        #expect(event(run(decoder, "devices/eu/d7/avail/x/y", "online"))?.clientID == "d7")
        #expect(failure(run(decoder, "devices/eu/d7/other", "online")) == .unknownTopic)
        #expect(failure(run(decoder, "devices/eu//avail", "online")) == .unknownTopic)
        if case .success = LWTOptions.parsePattern("a/{client_id}/{client_id}") { Issue.record("two captures") }
        if case .success = LWTOptions.parsePattern("a/b") { Issue.record("a pattern without {client_id}") }
        if case .success = LWTOptions.parsePattern("a/#/{client_id}") { Issue.record("'#' not last") }
        if case .success = LWTOptions.parsePattern("a/x{client_id}") { Issue.record("partial capture") }
    }

    @Test func homie() throws {
        let decoder = HomieDecoder()
        #expect(event(run(decoder, "homie/lamp/$state", "ready"))?.action == .connect)
        #expect(event(run(decoder, "homie/lamp/$state", "init"))?.action == .connect)
        let v5 = try #require(event(run(decoder, "homie/5/lamp/$state", "lost")))
        #expect(v5.clientID == "lamp")
        #expect(v5.action == .disconnect && v5.cause == .networkClosed && v5.initiator == .network)
        let clean = try #require(event(run(decoder, "homie/lamp/$state", "disconnected")))
        #expect(clean.cause == .clean && clean.initiator == .client)
        #expect(event(run(decoder, "homie/lamp/$state", "sleeping"))?.cause == .clean)
        #expect(event(run(decoder, "homie/lamp/$online", "false"))?.cause == .networkClosed)
        #expect(event(run(decoder, "homie/lamp/$online", "true"))?.action == .connect)
        if case .success(.topicCleared) = run(decoder, "homie/5/lamp/$state", "", retained: true) {
        } else {
            Issue.record("an empty retained $state means the device was removed")
        }
        #expect(failure(run(decoder, "homie/lamp/$state", "READY?")) == .invalidValue)
        #expect(failure(run(decoder, "homie/lamp/$name", "Lamp")) == .unknownTopic)
        #expect(failure(run(decoder, "homie/5/lamp/node/$state", "ready")) == .unknownTopic)
    }

    @Test func zigbee2mqtt() throws {
        let decoder = Zigbee2MQTTDecoder()
        let bridge = try #require(event(run(decoder, "zigbee2mqtt/bridge/state", #"{"state":"offline"}"#)))
        #expect(bridge.clientID == "zigbee2mqtt")
        #expect(bridge.cause == .networkClosed)
        #expect(event(run(decoder, "zigbee2mqtt/bridge/state", "online"))?.action == .connect)
        let device = try #require(event(run(decoder, "zigbee2mqtt/living room/lamp/availability", "offline")))
        #expect(device.clientID == "living room/lamp")
        #expect(event(run(decoder, "zigbee2mqtt/plug/availability", #"{"state":"online"}"#))?.action == .connect)
        #expect(failure(run(decoder, "zigbee2mqtt/plug/availability", #"{"state":"gone"}"#)) == .invalidValue)
        #expect(failure(run(decoder, "zigbee2mqtt/plug/availability", "{\"state\"")) == .malformedJSON)
        #expect(failure(run(decoder, "zigbee2mqtt/plug", "online")) == .unknownTopic)
    }

    @Test func sparkplug() throws {
        let decoder = SparkplugDecoder()
        let protobuf: [UInt8] = [0x08, 0x80, 0x01, 0x12, 0x00]
        let birth = try #require(event(runBytes(decoder, "spBv1.0/plant1/NBIRTH/edge7", protobuf)))
        #expect(birth.action == .connect && birth.clientID == "plant1/edge7" && birth.clientType == .gateway)
        let death = try #require(event(runBytes(decoder, "spBv1.0/plant1/NDEATH/edge7", protobuf)))
        #expect(death.action == .disconnect && death.cause == .networkClosed && death.initiator == .network)
        let device = try #require(event(runBytes(decoder, "spBv1.0/plant1/DDEATH/edge7/pump", protobuf)))
        #expect(device.clientID == "plant1/edge7/pump" && device.action == .disconnect)
        #expect(event(runBytes(decoder, "spBv1.0/plant1/DBIRTH/edge7/pump", protobuf))?.clientType == .device)

        let host = try #require(event(run(decoder, "spBv1.0/STATE/scada1", #"{"online":false,"timestamp":42}"#)))
        #expect(host.clientID == "scada1" && host.action == .disconnect && host.time == 42)
        #expect(host.clientType == .application)
        #expect(event(run(decoder, "spBv1.0/STATE/scada1", #"{"online":true,"timestamp":43}"#))?.action == .connect)
        #expect(event(run(decoder, "STATE/scada1", "OFFLINE"))?.action == .disconnect)
        #expect(event(run(decoder, "STATE/scada1", "ONLINE"))?.action == .connect)

        #expect(failure(runBytes(decoder, "spBv1.0/plant1/NDATA/edge7", protobuf)) == .unknownTopic)
        #expect(failure(run(decoder, "spBv1.0/STATE/scada1", #"{"timestamp":1}"#)) == .missingField)
        #expect(failure(run(decoder, "spBv1.0/STATE/scada1", #"{"online":"yes"}"#)) == .wrongType)
        #expect(failure(run(decoder, "STATE/scada1", "MAYBE")) == .invalidValue)
        if case .success(.topicCleared) = run(decoder, "spBv1.0/STATE/scada1", "", retained: true) {
        } else {
            Issue.record("an empty retained STATE clears the topic")
        }
    }

    /// No input may crash a decoder: random topics and payloads only ever decode or throw.
    @Test func randomInputsNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let topics = [
            "tele/a/LWT", "homie/5/d/$state", "zigbee2mqtt/x/availability", "spBv1.0/STATE/h", "STATE/h",
            "$aws/events/presence/disconnected/c", "$SYS/brokers/n/clients/c/disconnected", "a/b/c",
        ]
        let decoders: [any StatusDecoder] = [
            AWSIoTDecoder(), EMQXDecoder(), LWTDecoder.tasmota, HomieDecoder(), Zigbee2MQTTDecoder(),
            SparkplugDecoder(), LWTDecoder(options: LWTOptions(clientID: .level(2), jsonField: "state")),
        ]
        let alphabet = Array(#"{}[]":,"state online true false 0123456789.-eE\u00 ready lost"#.utf8) + [0xFF, 0xC3]
        var decodedCount = 0
        for _ in 0..<800 {
            let length = Int.random(in: 0..<40, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            for decoder in decoders {
                for topic in topics {
                    if case .success = runBytes(decoder, topic, bytes, retained: Bool.random()) { decodedCount += 1 }
                }
            }
        }
        // Empty retained payloads clear topics, so some inputs decode; the rest must throw, never trap.
        #expect(decodedCount > 0)
    }
}
