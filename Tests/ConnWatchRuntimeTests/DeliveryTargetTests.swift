import ConnWatchCore
import Foundation
import Testing

@testable import ConnWatchRuntime

@Suite struct DeliveryTargetTests {
    @Test func ntfyTokenFromAFileIsSentAsBearerAndTheQueryIsKept() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("connwatch-token-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "tk_abc\n".write(to: directory.appendingPathComponent("ntfy-token"), atomically: true, encoding: .utf8)
        var receiver = ReceiverConfig(name: "phone", type: .ntfy, url: "https://ntfy.example.com/alerts?auth=QmVhcmVy")
        receiver.tokenFile = "ntfy-token"
        var config = ConnWatchConfig()
        config.receivers = [receiver]
        let targets = try DeliveryTarget.resolve(
            config,
            configPath: directory.appendingPathComponent("rules.yaml").path
        )
        let request = try #require(targets.first).request(id: "n1", contentType: "application/json", body: [], now: 0)
        #expect(request.url == "https://ntfy.example.com/?auth=QmVhcmVy")
        #expect(request.headers.contains { $0.name == "Authorization" && $0.value == "Bearer tk_abc" })
    }

    @Test func aTokenWithALineBreakIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("connwatch-token-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "tk_abc\r\nX-Evil: 1".write(to: directory.appendingPathComponent("t"), atomically: true, encoding: .utf8)
        var receiver = ReceiverConfig(name: "phone", type: .ntfy, url: "https://ntfy.example.com/alerts")
        receiver.tokenFile = "t"
        var config = ConnWatchConfig()
        config.receivers = [receiver]
        #expect(throws: DeliveryTarget.ResolveError.self) {
            try DeliveryTarget.resolve(config, configPath: directory.appendingPathComponent("rules.yaml").path)
        }
    }
}
