import Foundation
import Testing

@testable import ConnWatchCore

/// One message of `format` on `topic` and the `client_type` its decoder gives the client.
private struct Sample {
    var format: FeedFormat
    var decoder: any StatusDecoder
    var topic: String
    var payload: [UInt8]

    init(_ format: FeedFormat, _ decoder: any StatusDecoder, _ topic: String, _ payload: String) {
        self.init(format, decoder, topic, bytes: Array(payload.utf8))
    }

    init(_ format: FeedFormat, _ decoder: any StatusDecoder, _ topic: String, bytes: [UInt8]) {
        self.format = format
        self.decoder = decoder
        self.topic = topic
        payload = bytes
    }

    func clientType() -> ClientType? {
        let outcome = try? decoder.decode(topic: topic, bytes: payload, retained: false, receivedAt: 1_700_000_000_000)
        if case .event(let event) = outcome { return event.clientType }
        return nil
    }
}

private let sparkplugPayload: [UInt8] = [0x08, 0x80, 0x01, 0x12, 0x00]

private let samples: [Sample] = [
    Sample(.watsonIoT, WatsonIoTDecoder(), "iot-2/type/t/id/d1/mon", #"{"Action":"Connect","ClientID":"d:o:t:d1"}"#),
    Sample(.watsonIoT, WatsonIoTDecoder(), "iot-2/type/t/id/g1/mon", #"{"Action":"Connect","ClientID":"g:o:t:g1"}"#),
    Sample(.watsonIoT, WatsonIoTDecoder(), "iot-2/app/a1/mon", #"{"Action":"Connect","ClientID":"a:o:a1"}"#),
    Sample(.watsonIoT, WatsonIoTDecoder(), "iot-2/app/a2/mon", #"{"Action":"Connect","ClientID":"A:o:a2"}"#),
    Sample(.watsonIoT, WatsonIoTDecoder(), "iot-2/type/t/id/x/mon", #"{"Action":"Connect","ClientID":"x-1"}"#),
    Sample(
        .awsIoT,
        AWSIoTDecoder(),
        "$aws/events/presence/connected/c1",
        #"{"clientId":"c1","eventType":"connected"}"#
    ),
    Sample(.emqx, EMQXDecoder(), "$SYS/brokers/n/clients/c1/connected", #"{"clientid":"c1","ts":5}"#),
    Sample(.lwt, LWTDecoder(options: LWTOptions(clientID: .level(1))), "status/c1", "online"),
    Sample(.tasmota, LWTDecoder.tasmota, "tele/light/LWT", "Online"),
    Sample(.homie, HomieDecoder(), "homie/lamp/$state", "ready"),
    Sample(.zigbee2mqtt, Zigbee2MQTTDecoder(), "zigbee2mqtt/plug/availability", "online"),
    Sample(.sparkplug, SparkplugDecoder(), "spBv1.0/plant/NBIRTH/edge", bytes: sparkplugPayload),
    Sample(.sparkplug, SparkplugDecoder(), "spBv1.0/plant/DBIRTH/edge/pump", bytes: sparkplugPayload),
    Sample(.sparkplug, SparkplugDecoder(), "spBv1.0/STATE/scada", #"{"online":true,"timestamp":1}"#),
]

@Suite struct FeedFormatClientTypeTests {
    /// The `client_type` values each format is said to give (`FeedFormat.clientTypes`, which
    /// `check` and README's list of formats rely on to call a rule unmatchable) are exactly those
    /// its decoder gives: a `match: client_type: device` rule on a format whose clients are
    /// `unknown` never matches.
    @Test func everyFormatGivesTheClientTypesItIsSaidTo() throws {
        #expect(Set(samples.map(\.format)) == Set(FeedFormat.allCases))
        var given: [FeedFormat: Set<ClientType>] = [:]
        for sample in samples {
            let type = try #require(sample.clientType(), "\(sample.topic) did not decode")
            given[sample.format, default: []].insert(type)
        }
        for format in FeedFormat.allCases {
            #expect(given[format] == Set(format.clientTypes), "\(format.rawValue)")
        }
    }
}
