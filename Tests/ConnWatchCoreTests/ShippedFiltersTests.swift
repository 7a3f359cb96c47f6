import Foundation
import Testing

@testable import ConnWatchCore

/// The topic filters the shipped example subscribes to receive every client the format can name,
/// including ids with `/` in them.
@Suite struct ShippedFiltersTests {
    private static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("rules.yaml.example").path

    @Test(
        "an EMQX client id with '/' reaches the emqx subscription and decodes",
        arguments: ["connected", "disconnected"]
    )
    func emqxClientIDsWithSlashes(event: String) throws {
        let config = try ConfigLoader.load(text: try String(contentsOfFile: Self.example, encoding: .utf8), file: "x")
        let topic = "$SYS/brokers/emqx@10.0.0.1/clients/site/plug-1/\(event)"
        let subscriptions = config.brokers.flatMap(\.subscriptions).filter { TopicFilter.matches($0.topic, topic) }
        #expect(subscriptions.map(\.format) == [.emqx], "\(subscriptions)")
        let payload = Array(#"{"clientid":"site/plug-1","ts":1700000000000}"#.utf8)
        let outcome = try payload.withUnsafeBytes { bytes in
            try EMQXDecoder().decode(topic: topic, payload: bytes, retained: false, receivedAt: 0)
        }
        guard case .event(let decoded) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(decoded.clientID == "site/plug-1")
        #expect(decoded.action == (event == "connected" ? .connect : .disconnect))
    }
}
