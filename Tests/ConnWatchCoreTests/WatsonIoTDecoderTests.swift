import Testing

@testable import ConnWatchCore

private let decoder = WatsonIoTDecoder()
private let receivedAt: Int64 = 1_700_000_000_000

/// Decodes `payload`, returning the outcome or the error.
private func decode(
    _ payload: String,
    topic: String = "iot-2/type/sensor/id/s-0042/mon",
    retained: Bool = false,
    using decoder: WatsonIoTDecoder = decoder
) -> Result<DecodeOutcome, DecodeError> {
    decode(bytes: Array(payload.utf8), topic: topic, retained: retained, using: decoder)
}

private func decode(
    bytes: [UInt8],
    topic: String = "iot-2/type/sensor/id/s-0042/mon",
    retained: Bool = false,
    using decoder: WatsonIoTDecoder = decoder
) -> Result<DecodeOutcome, DecodeError> {
    do throws(DecodeError) {
        return .success(try decoder.decode(topic: topic, payload: bytes, retained: retained, receivedAt: receivedAt))
    } catch {
        return .failure(error)
    }
}

/// The event of a successful decode, or `nil`.
private func event(_ result: Result<DecodeOutcome, DecodeError>) -> StatusEvent? {
    if case .success(.event(let event)) = result { return event }
    return nil
}

/// The error of a failed decode, or `nil`.
private func failure(_ result: Result<DecodeOutcome, DecodeError>) -> DecodeError? {
    if case .failure(let error) = result { return error }
    return nil
}

/// A Disconnect payload for `ClientID` = `clientID` with extra members appended.
private func disconnect(clientID: String = "d:abc123:sensor:s-0042", _ extra: String = "") -> String {
    #"{"Action":"Disconnect","Time":"2019-05-02T10:15:31.207Z","ClientID":"\#(clientID)""#
        + (extra.isEmpty ? "" : ",\(extra)") + "}"
}

/// FORMATS.md §1.6, illustrative keep-alive drop.
private let keepAliveExample = """
    {"Action":"Disconnect","Time":"2019-05-02T10:15:31.207Z","ClientAddr":"203.0.113.17",
     "ClientID":"d:abc123:sensor:s-0042","Port":8883,"Secure":true,"Protocol":"mqtt4",
     "User":"use-token-auth","ConnectTime":"2019-05-01T22:03:10.001Z","CloseCode":160,
     "Reason":"The connection timed out","ReadBytes":51234,"ReadMsg":812,"WriteBytes":96,"WriteMsg":3}
    """

@Suite struct WatsonIoTDecoderTests {
    // MARK: FORMATS.md §1.6 examples

    @Test func sourceExampleDeviceDisconnect() {
        let payload = """
            {"Action":"Disconnect","Time":"2015-03-11T12:18:12.499Z","ClientAddr":"x.x.x.x",
             "ClientID":"d:<org>:<device_type>:<device_id>","Port":8883,"Protocol":"mqtt4-tcp",
             "User":"use-token-auth","ConnectTime":"2015-03-11T12:18:11.723Z",
             "Reason":"The connection has completed normally.","ReadBytes":142,"ReadMsg":1,"WriteBytes":4,"WriteMsg":0}
            """
        let result = decode(payload, topic: "iot-2/type/<device_type>/id/<device_id>/mon", retained: true)
        let expected = StatusEvent(
            action: .disconnect,
            clientID: "d:<org>:<device_type>:<device_id>",
            clientType: .device,
            orgID: "<org>",
            typeID: "<device_type>",
            deviceID: "<device_id>",
            appID: "",
            time: 1_426_076_292_499,
            connectTime: 1_426_076_291_723,
            reasonCode: 0,
            reasonText: "The connection has completed normally.",
            cause: .clean,
            initiator: .client,
            protocolName: "mqtt4-tcp",
            clientAddress: "x.x.x.x",
            port: 8883,
            secure: nil,
            user: "use-token-auth",
            retained: true
        )
        #expect(event(result) == expected)
    }

    @Test func sourceExampleApplicationConnect() {
        let payload = """
            {"Action":"Connect","Time":"2017-01-20T14:27:13.113Z","ClientAddr":"198.11.999.999",
             "ClientID":"a:myorgid:myserver","Port":8883,"Secure":true,"Protocol":"mqtt4",
             "User":"a-maqdpu-jkdhgkjha","Durable":false}
            """
        let result = decode(payload, topic: "iot-2/app/myserver/mon", retained: true)
        let expected = StatusEvent(
            action: .connect,
            clientID: "a:myorgid:myserver",
            clientType: .application,
            orgID: "myorgid",
            typeID: "",
            deviceID: "",
            appID: "myserver",
            time: 1_484_922_433_113,
            connectTime: nil,
            reasonCode: nil,
            reasonText: nil,
            cause: nil,
            initiator: nil,
            protocolName: "mqtt4",
            clientAddress: "198.11.999.999",
            port: 8883,
            secure: true,
            user: "a-maqdpu-jkdhgkjha",
            retained: true
        )
        #expect(event(result) == expected)
    }

    @Test func illustrativeKeepAliveDisconnect() {
        let result = decode(keepAliveExample, retained: true)
        let expected = StatusEvent(
            action: .disconnect,
            clientID: "d:abc123:sensor:s-0042",
            clientType: .device,
            orgID: "abc123",
            typeID: "sensor",
            deviceID: "s-0042",
            appID: "",
            time: 1_556_792_131_207,
            connectTime: 1_556_748_190_001,
            reasonCode: 160,
            reasonText: "The connection timed out",
            cause: .keepAliveTimeout,
            initiator: .network,
            protocolName: "mqtt4",
            clientAddress: "203.0.113.17",
            port: 8883,
            secure: true,
            user: "use-token-auth",
            retained: true
        )
        #expect(event(result) == expected)
    }

    @Test func illustrativeFailedConnect() {
        let payload = """
            {"Action":"FailedConnect","Time":"2019-05-02T10:16:02.550Z","ClientAddr":"203.0.113.17",
             "ClientID":"d:abc123:sensor:s-0042","Port":8883,"Secure":true,"Protocol":"mqtt4",
             "User":"use-token-auth","CloseCode":180,"Reason":"The operation is not authorized",
             "ReadBytes":120,"ReadMsg":1,"WriteBytes":4,"WriteMsg":1}
            """
        let expected = StatusEvent(
            action: .failedConnect,
            clientID: "d:abc123:sensor:s-0042",
            clientType: .device,
            orgID: "abc123",
            typeID: "sensor",
            deviceID: "s-0042",
            appID: "",
            time: 1_556_792_162_550,
            connectTime: nil,
            reasonCode: 180,
            reasonText: "The operation is not authorized",
            cause: .auth,
            initiator: .server,
            protocolName: "mqtt4",
            clientAddress: "203.0.113.17",
            port: 8883,
            secure: true,
            user: "use-token-auth",
            retained: false
        )
        #expect(event(decode(payload, retained: false)) == expected)
    }

    @Test func timeWithOffset() {
        let payload = #"{"Action":"Connect","ClientID":"d:o:t:d","Time":"2014-07-07T06:37:56.494-04:00"}"#
        #expect(event(decode(payload))?.time == 1_404_729_476_494)
    }

    // MARK: Field rules

    @Test func unknownProtocolTextIsKept() {
        #expect(event(decode(disconnect(#""Protocol":"mqtt-tcp""#)))?.protocolName == "mqtt-tcp")
        #expect(event(decode(disconnect(#""Protocol":"carrier-pigeon/2""#)))?.protocolName == "carrier-pigeon/2")
    }

    @Test func missingCloseCodeIsCleanClose() {
        let decoded = event(decode(disconnect()))
        #expect(decoded?.reasonCode == 0)
        #expect(decoded?.cause == .clean)
        #expect(decoded?.initiator == .client)
        #expect(decoded?.reasonText == nil)
    }

    @Test func sessionTakeover() {
        let decoded = event(decode(disconnect(#""CloseCode":288,"Reason":"The clientID was reused""#)))
        #expect(decoded?.reasonCode == 288)
        #expect(decoded?.cause == .sessionTakeover)
        #expect(decoded?.initiator == .server)
        #expect(decoded?.reasonText == "The clientID was reused")
    }

    @Test(arguments: [
        (0, DisconnectCause.clean, DisconnectInitiator.client),
        (91, .networkClosed, .network),
        (92, .serverFault, .server),
        (93, .serverShutdown, .server),
        (94, .adminKick, .server),
        (160, .keepAliveTimeout, .network),
        (180, .auth, .server),
        (287, .limits, .server),
        (288, .sessionTakeover, .server),
        (105, .protocolError, .server),
        (163, .networkClosed, .network),
        (4242, .unknown, .unknown),
    ])
    func closeCodesThroughTheDecoder(code: Int, cause: DisconnectCause, initiator: DisconnectInitiator) {
        let decoded = event(decode(disconnect(#""CloseCode":\#(code)"#)))
        #expect(decoded?.reasonCode == code)
        #expect(decoded?.cause == cause)
        #expect(decoded?.initiator == initiator)
    }

    @Test func everyDocumentedCloseCodeClass() {
        let table: [(Int, DisconnectCause, DisconnectInitiator)] = [
            (0, .clean, .client),
            (91, .networkClosed, .network), (163, .networkClosed, .network),
            (92, .serverFault, .server),
            (93, .serverShutdown, .server), (167, .serverShutdown, .server),
            (94, .adminKick, .server),
            (160, .keepAliveTimeout, .network), (164, .keepAliveTimeout, .network),
            (180, .auth, .server), (169, .auth, .server), (170, .auth, .server), (166, .auth, .server),
            (288, .sessionTakeover, .server),
            (104, .limits, .server), (154, .limits, .server), (173, .limits, .server), (176, .limits, .server),
            (287, .limits, .server),
            (105, .protocolError, .server), (165, .protocolError, .server), (271, .protocolError, .server),
            (276, .protocolError, .server), (175, .protocolError, .server),
            (1, .unknown, .unknown), (-1, .unknown, .unknown), (999, .unknown, .unknown),
            (Int.max, .unknown, .unknown), (Int.min, .unknown, .unknown),
        ]
        for (code, cause, initiator) in table {
            let classified = WatsonCloseCode.classify(code)
            #expect(classified.cause == cause, "code \(code)")
            #expect(classified.initiator == initiator, "code \(code)")
        }
    }

    @Test func failedConnectWithoutCodeIsAnAuthRefusal() {
        let payload = #"{"Action":"FailedConnect","ClientID":"d:o:t:d","Reason":"nope"}"#
        let decoded = event(decode(payload))
        #expect(decoded?.action == .failedConnect)
        #expect(decoded?.reasonCode == 0)
        #expect(decoded?.cause == .auth)
        #expect(decoded?.initiator == .server)
        #expect(decoded?.reasonText == "nope")
        let withZero = #"{"Action":"FailedConnect","ClientID":"d:o:t:d","CloseCode":0}"#
        #expect(event(decode(withZero))?.cause == .auth)
        let networkDrop = #"{"Action":"FailedConnect","ClientID":"d:o:t:d","CloseCode":91}"#
        #expect(event(decode(networkDrop))?.cause == .networkClosed)
    }

    @Test func connectIgnoresReasonAndCloseCode() {
        let payload = #"{"Action":"Connect","ClientID":"d:o:t:d","CloseCode":288,"Reason":"ignored"}"#
        let decoded = event(decode(payload))
        #expect(decoded?.action == .connect)
        #expect(decoded?.reasonCode == nil)
        #expect(decoded?.reasonText == nil)
        #expect(decoded?.cause == nil)
        #expect(decoded?.initiator == nil)
    }

    @Test func missingTimeUsesReceiveTime() {
        let payload = #"{"Action":"Connect","ClientID":"d:o:t:d"}"#
        #expect(event(decode(payload))?.time == receivedAt)
        let nullTime = #"{"Action":"Connect","ClientID":"d:o:t:d","Time":null}"#
        #expect(event(decode(nullTime))?.time == receivedAt)
    }

    @Test func nullOptionalFieldsAreAbsent() {
        let payload = disconnect(
            #""ClientAddr":null,"Port":null,"Secure":null,"Protocol":null,"User":null,"Certname":null,"#
                + #""ConnectTime":null,"CloseCode":null,"Reason":null"#
        )
        let decoded = event(decode(payload))
        #expect(decoded != nil)
        #expect(decoded?.clientAddress == nil)
        #expect(decoded?.port == nil)
        #expect(decoded?.secure == nil)
        #expect(decoded?.protocolName == nil)
        #expect(decoded?.user == nil)
        #expect(decoded?.connectTime == nil)
        #expect(decoded?.reasonCode == 0)
        #expect(decoded?.reasonText == nil)
    }

    @Test func ignoredAndUnknownFieldsAreSkipped() {
        let payload = disconnect(
            #""Certname":"cn","Durable":true,"ReadBytes":1.5,"WriteMsg":"many","Extra":{"a":[1,{"b":"}\""}]},"#
                + #""Port":1883"#
        )
        #expect(event(decode(payload))?.port == 1883)
    }

    @Test func retainedFlagIsCopied() {
        #expect(event(decode(disconnect(), retained: true))?.retained == true)
        #expect(event(decode(disconnect(), retained: false))?.retained == false)
    }

    @Test func duplicateKeysLastOneWins() {
        #expect(event(decode(disconnect(#""Port":1,"Port":2"#)))?.port == 2)
    }

    @Test func byteArrayAndRawBufferOverloadsAgree() throws {
        let bytes = Array(keepAliveExample.utf8)
        let fromArray = try decoder.decode(
            topic: "iot-2/type/a/id/b/mon",
            payload: bytes,
            retained: true,
            receivedAt: 5
        )
        let fromRaw = try bytes.withUnsafeBytes { raw in
            try decoder.decode(topic: "iot-2/type/a/id/b/mon", payload: raw, retained: true, receivedAt: 5)
        }
        #expect(fromArray == fromRaw)
    }

    // MARK: ClientID

    @Test func devicePrefix() {
        let decoded = event(decode(disconnect(clientID: "d:org1:typeA:dev-1")))
        #expect(decoded?.clientType == .device)
        #expect(decoded?.orgID == "org1")
        #expect(decoded?.typeID == "typeA")
        #expect(decoded?.deviceID == "dev-1")
        #expect(decoded?.appID == "")
    }

    @Test func gatewayPrefix() {
        let decoded = event(decode(disconnect(clientID: "g:org1:gwType:gw.7")))
        #expect(decoded?.clientType == .gateway)
        #expect(decoded?.orgID == "org1")
        #expect(decoded?.typeID == "gwType")
        #expect(decoded?.deviceID == "gw.7")
        #expect(decoded?.appID == "")
    }

    @Test func applicationPrefix() {
        let decoded = event(decode(disconnect(clientID: "a:org1:my_app"), topic: "iot-2/app/my_app/mon"))
        #expect(decoded?.clientType == .application)
        #expect(decoded?.orgID == "org1")
        #expect(decoded?.appID == "my_app")
        #expect(decoded?.typeID == "")
        #expect(decoded?.deviceID == "")
    }

    @Test func scalableApplicationPrefix() {
        let plain = event(decode(disconnect(clientID: "A:org1:shared"), topic: "iot-2/app/shared/mon"))
        #expect(plain?.clientType == .scalableApplication)
        #expect(plain?.orgID == "org1")
        #expect(plain?.appID == "shared")
        #expect(plain?.clientID == "A:org1:shared")
        let instance = event(decode(disconnect(clientID: "A:org1:shared:inst-2"), topic: "iot-2/app/shared/mon"))
        #expect(instance?.clientType == .scalableApplication)
        #expect(instance?.orgID == "org1")
        #expect(instance?.appID == "shared")
        #expect(instance?.clientID == "A:org1:shared:inst-2")
        #expect(instance?.deviceID == "")
    }

    @Test func unprefixedClientIDTakesIdentityFromTheTopic() {
        let device = event(decode(disconnect(clientID: "plain-client-1"), topic: "iot-2/type/thermo/id/t-9/mon"))
        #expect(device?.clientType == .unknown)
        #expect(device?.clientID == "plain-client-1")
        #expect(device?.orgID == "")
        #expect(device?.typeID == "thermo")
        #expect(device?.deviceID == "t-9")
        #expect(device?.appID == "")
        let app = event(decode(disconnect(clientID: "plain-client-1"), topic: "iot-2/app/backend/mon"))
        #expect(app?.clientType == .unknown)
        #expect(app?.appID == "backend")
        #expect(app?.typeID == "")
        #expect(app?.deviceID == "")
    }

    @Test(arguments: [
        "x:org:type:dev", "d:org:type", "d:org:type:dev:extra", "d::type:dev", "d:org::dev", "d:org:type:",
        "a:org", "a:org:app:extra", "a::app", "A:org:", "A:org:app:", "dd:org:type:dev", ":org:app",
    ])
    func malformedPrefixedClientIDsAreUnknown(clientID: String) {
        let decoded = event(decode(disconnect(clientID: clientID), topic: "iot-2/type/tt/id/dd/mon"))
        #expect(decoded?.clientType == .unknown)
        #expect(decoded?.clientID == clientID)
        #expect(decoded?.orgID == "")
        #expect(decoded?.typeID == "tt")
        #expect(decoded?.deviceID == "dd")
    }

    @Test func clientIDWinsOverADisagreeingTopic() {
        let decoded = event(decode(disconnect(clientID: "d:org1:real-type:real-dev"), topic: "iot-2/type/x/id/y/mon"))
        #expect(decoded?.typeID == "real-type")
        #expect(decoded?.deviceID == "real-dev")
        let app = event(decode(disconnect(clientID: "a:org1:real-app"), topic: "iot-2/type/x/id/y/mon"))
        #expect(app?.clientType == .application)
        #expect(app?.appID == "real-app")
        #expect(app?.typeID == "")
        #expect(app?.deviceID == "")
    }

    @Test func emptyClientIDIsInvalid() {
        let error = failure(decode(disconnect(clientID: "")))
        #expect(error?.code == .invalidValue)
        #expect(error?.field == "ClientID")
    }

    // MARK: Escapes

    @Test func escapesInClientIDAndReason() {
        let payload = disconnect(
            clientID: #"d:org:caf\u00e9:d\ud83d\ude00"#,
            #""Reason":"said \"bye\" via C:\\temp \u00e9 \ud83d\ude00","CloseCode":92"#
        )
        let decoded = event(decode(payload))
        #expect(decoded?.clientID == "d:org:café:d😀")
        #expect(decoded?.typeID == "café")
        #expect(decoded?.deviceID == "d😀")
        #expect(decoded?.reasonText == #"said "bye" via C:\temp é 😀"#)
        #expect(decoded?.cause == .serverFault)
        let quoted = event(decode(disconnect(clientID: #"we\"ird\\id"#)))
        #expect(quoted?.clientID == #"we"ird\id"#)
        #expect(quoted?.clientType == .unknown)
    }

    @Test func escapedKeysAreRecognised() {
        let payload = #"{"\u0041ction":"Disc\u006fnnect","Client\u0049D":"d:o:t:d","P\u006frt":443}"#
        let decoded = event(decode(payload))
        #expect(decoded?.action == .disconnect)
        #expect(decoded?.clientID == "d:o:t:d")
        #expect(decoded?.port == 443)
    }

    // MARK: Topics

    @Test(arguments: [
        "", "iot-2", "iot-2/type/t/id/d/evt", "iot-2/type/t/id/d/mon/extra", "iot-2/type//id/d/mon",
        "iot-2/type/t/id//mon", "iot-2/type/+/id/d/mon", "iot-2/type/t/id/#/mon", "iot-2/app//mon",
        "iot-2/app/a/b/mon", "iot-2/app/a/mon/", "/iot-2/app/a/mon", "iot-3/app/a/mon", "iot-2/APP/a/mon",
        "iot-2/type/t/device/d/mon", "iot-2/type/t/id/d/mon\n",
    ])
    func unknownTopics(topic: String) {
        let error = failure(decode(disconnect(), topic: topic))
        #expect(error?.code == .unknownTopic)
        #expect(failure(decode("", topic: topic, retained: true))?.code == .unknownTopic)
    }

    @Test func topicSegmentsMayHoldAnyOtherText() {
        let decoded = event(decode(disconnect(clientID: "raw"), topic: "iot-2/type/Tÿpe.1_x/id/dev:with-colon/mon"))
        #expect(decoded?.typeID == "Tÿpe.1_x")
        #expect(decoded?.deviceID == "dev:with-colon")
    }

    // MARK: Bad payloads

    @Test func emptyPayloads() throws {
        let topic = "iot-2/type/sensor/id/s-0042/mon"
        #expect(try decode("", topic: topic, retained: true).get() == .topicCleared(topic: topic))
        #expect(failure(decode("", topic: topic, retained: false))?.code == .emptyPayload)
    }

    @Test func everyPrefixOfAValidPayloadThrows() {
        let bytes = Array(keepAliveExample.utf8)
        #expect(event(decode(bytes: bytes)) != nil)
        for length in 1..<bytes.count {
            let error = failure(decode(bytes: Array(bytes[..<length])))
            #expect(error?.code == .malformedJSON, "prefix of length \(length)")
        }
    }

    @Test func wrongJSONTypes() {
        let port = failure(decode(disconnect(#""Port":"8883""#)))
        #expect(port?.code == .wrongType)
        #expect(port?.field == "Port")
        let action = failure(decode(#"{"Action":1,"ClientID":"d:o:t:d"}"#))
        #expect(action?.code == .wrongType)
        #expect(action?.field == "Action")
        for (member, field) in [
            (#""Secure":"true""#, "Secure"), (#""ClientAddr":7"#, "ClientAddr"), (#""CloseCode":"160""#, "CloseCode"),
            (#""Time":1426076292499"#, "Time"), (#""ConnectTime":[]"#, "ConnectTime"), (#""User":false"#, "User"),
            (#""Protocol":{}"#, "Protocol"), (#""Reason":4"#, "Reason"), (#""Certname":1"#, "Certname"),
        ] {
            let error = failure(decode(disconnect(member)))
            #expect(error?.code == .wrongType, "\(member)")
            #expect(error?.field == field, "\(member)")
        }
        let clientID = failure(decode(#"{"Action":"Connect","ClientID":42}"#))
        #expect(clientID?.field == "ClientID")
        #expect(clientID?.code == .wrongType)
    }

    @Test func invalidValues() {
        let action = failure(decode(#"{"Action":"Reconnect","ClientID":"d:o:t:d"}"#))
        #expect(action?.code == .invalidValue)
        #expect(action?.field == "Action")
        #expect(action?.offset == 11)
        let lowercase = failure(decode(#"{"Action":"connect","ClientID":"d:o:t:d"}"#))
        #expect(lowercase?.code == .invalidValue)
        let time = failure(decode(disconnect(#""Time":"yesterday""#)))
        #expect(time?.code == .invalidValue)
        #expect(time?.field == "Time")
        let connectTime = failure(decode(disconnect(#""ConnectTime":"2019-02-30T00:00:00Z""#)))
        #expect(connectTime?.field == "ConnectTime")
        #expect(failure(decode(disconnect(#""Port":8883.5"#)))?.code == .invalidValue)
        #expect(failure(decode(disconnect(#""CloseCode":1e2"#)))?.code == .invalidValue)
        #expect(failure(decode(disconnect(#""CloseCode":99999999999999999999"#)))?.code == .invalidValue)
    }

    @Test func missingRequiredFields() {
        let action = failure(decode(#"{"ClientID":"d:o:t:d"}"#))
        #expect(action?.code == .missingField)
        #expect(action?.field == "Action")
        let clientID = failure(decode(#"{"Action":"Connect"}"#))
        #expect(clientID?.code == .missingField)
        #expect(clientID?.field == "ClientID")
        #expect(failure(decode(#"{"Action":null,"ClientID":"d:o:t:d"}"#))?.field == "Action")
        #expect(failure(decode("{}"))?.code == .missingField)
    }

    @Test func syntaxErrorsTakePrecedenceOverValueErrors() {
        let error = failure(decode(#"{"Port":"x","Action":"Connect","ClientID":"d:o:t:d",}"#))
        #expect(error?.code == .malformedJSON)
        // Of several value errors, the first in the payload is reported.
        let first = failure(decode(#"{"Secure":1,"Port":"x","Action":"Connect","ClientID":"d:o:t:d"}"#))
        #expect(first?.field == "Secure")
    }

    @Test func nonUTF8BytesInStrings() {
        let prefix = Array(#"{"Action":"Disconnect","ClientID":"d:o:t:d","Reason":"bad "#.utf8)
        let bytes = prefix + [0xC3, 0x28] + Array(#""}"#.utf8)
        let error = failure(decode(bytes: bytes))
        #expect(error?.code == .invalidUTF8)
        #expect(error?.offset == prefix.count)
        let inClientID = Array(#"{"Action":"Connect","ClientID":"d:o:t:"#.utf8) + [0xFF] + Array(#""}"#.utf8)
        #expect(failure(decode(bytes: inClientID))?.code == .invalidUTF8)
        let inUnknown =
            Array(#"{"Action":"Connect","ClientID":"d:o:t:d","Other":[""#.utf8) + [0xED, 0xA0, 0x80]
            + Array(#""]}"#.utf8)
        #expect(failure(decode(bytes: inUnknown))?.code == .invalidUTF8)
        let outsideString = Array(#"{"Action":"Connect","ClientID":"d:o:t:d","Other":"#.utf8) + [0xFF] + Array("}".utf8)
        #expect(failure(decode(bytes: outsideString))?.code == .malformedJSON)
    }

    @Test func oversizedPayloadIsRejectedBeforeScanning() {
        // 1 MiB of garbage: rejected on size, never scanned.
        let huge = [UInt8](repeating: UInt8(ascii: "{"), count: 1 << 20)
        let error = failure(decode(bytes: huge))
        #expect(error?.code == .payloadTooLarge)
        // The limit itself is allowed.
        let valid = disconnect()
        let padded = valid + String(repeating: " ", count: 65_536 - valid.utf8.count)
        #expect(padded.utf8.count == 65_536)
        #expect(event(decode(padded))?.clientID == "d:abc123:sensor:s-0042")
        #expect(failure(decode(padded + " "))?.code == .payloadTooLarge)
        let small = WatsonIoTDecoder(maxPayloadBytes: 10)
        #expect(failure(decode(valid, using: small))?.code == .payloadTooLarge)
    }

    @Test func deeplyNestedUnknownValueIsSkipped() {
        let depth = 100_000
        let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let large = WatsonIoTDecoder(maxPayloadBytes: 1 << 20)
        let decoded = event(decode(disconnect(#""Nested":\#(nested),"Port":1"#), using: large))
        #expect(decoded?.port == 1)
        #expect(decoded?.clientID == "d:abc123:sensor:s-0042")
        let unclosed = disconnect(#""Nested":"# + String(repeating: #"{"a":["#, count: depth))
        #expect(failure(decode(unclosed, using: large))?.code == .malformedJSON)
        // With the default limit the same payload is simply too large.
        #expect(failure(decode(unclosed))?.code == .payloadTooLarge)
    }

    @Test func trailingGarbage() {
        #expect(failure(decode(disconnect() + " x"))?.code == .malformedJSON)
        #expect(failure(decode(disconnect() + "{}"))?.code == .malformedJSON)
        #expect(failure(decode(disconnect() + "\u{0}"))?.code == .malformedJSON)
        let error = failure(decode(disconnect() + ","))
        #expect(error?.offset == disconnect().utf8.count)
        #expect(event(decode(disconnect() + " \r\n\t"))?.clientID == "d:abc123:sensor:s-0042")
    }

    @Test func topLevelArrayIsRejected() {
        #expect(failure(decode("[" + disconnect() + "]"))?.code == .wrongType)
    }
}
