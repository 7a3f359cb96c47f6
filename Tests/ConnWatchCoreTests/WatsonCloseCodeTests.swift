import Foundation
import Testing

@testable import ConnWatchCore

/// Every closing code the platform and its messaging engine (Eclipse Amlen) document, with the cause and
/// initiator connwatch gives it, written out here independently of `WatsonCloseCode.entries`.
private let expected: [(code: Int, cause: DisconnectCause, initiator: DisconnectInitiator)] = [
    (0, .clean, .client), (90, .clean, .client),
    (91, .networkClosed, .network), (92, .serverFault, .server), (93, .serverShutdown, .server),
    (94, .adminKick, .server), (95, .networkClosed, .network), (96, .limits, .server),
    (100, .serverFault, .server), (101, .serverFault, .server), (103, .serverFault, .server),
    (104, .limits, .server), (105, .protocolError, .server),
    (153, .networkClosed, .network), (154, .limits, .server), (159, .auth, .server),
    (160, .keepAliveTimeout, .network), (161, .keepAliveTimeout, .network), (162, .keepAliveTimeout, .network),
    (163, .networkClosed, .network), (164, .keepAliveTimeout, .network), (165, .protocolError, .server),
    (166, .auth, .server), (167, .serverShutdown, .server), (168, .serverShutdown, .server),
    (169, .auth, .server), (170, .auth, .server), (171, .protocolError, .server), (173, .limits, .server),
    (175, .protocolError, .server), (176, .limits, .server), (177, .serverFault, .server), (178, .limits, .server),
    (180, .auth, .server), (181, .auth, .server), (182, .auth, .server), (183, .auth, .server),
    (184, .serverFault, .server), (188, .serverFault, .server), (193, .ttlExpiry, .server),
    (270, .protocolError, .server), (271, .protocolError, .server), (272, .protocolError, .server),
    (273, .protocolError, .server), (274, .protocolError, .server), (275, .protocolError, .server),
    (276, .protocolError, .server), (277, .protocolError, .server), (278, .serverFault, .server),
    (279, .serverFault, .server), (280, .serverFault, .server), (281, .serverFault, .server),
    (282, .protocolError, .server), (284, .protocolError, .server), (285, .protocolError, .server),
    (286, .protocolError, .server), (287, .limits, .server), (288, .sessionTakeover, .server),
    (289, .protocolError, .server), (290, .protocolError, .server), (291, .protocolError, .server),
    (292, .protocolError, .server), (293, .protocolError, .server), (294, .limits, .server),
    (295, .protocolError, .server), (296, .protocolError, .server), (297, .protocolError, .server),
    (298, .protocolError, .server), (299, .limits, .server),
    (341, .auth, .server), (342, .auth, .server), (343, .auth, .server), (344, .auth, .server),
    (345, .auth, .server), (346, .auth, .server), (347, .auth, .server), (348, .auth, .server),
    (349, .auth, .server),
]

private func decodeEvent(_ payload: String) -> StatusEvent? {
    let outcome = try? WatsonIoTDecoder().decode(
        topic: "iot-2/type/sensor/id/s-1/mon",
        payload: Array(payload.utf8),
        retained: false,
        receivedAt: 1_700_000_000_000
    )
    if case .event(let event) = outcome { return event }
    return nil
}

@Suite struct WatsonCloseCodeTests {
    /// A Disconnect and a FailedConnect with each code come out with its cause and initiator.
    @Test(arguments: expected.map { [$0.code, Int($0.cause.rawValue), Int($0.initiator.rawValue)] })
    func everyDocumentedCodeThroughTheDecoder(row: [Int]) throws {
        let cause = try #require(DisconnectCause(rawValue: UInt8(row[1])))
        let initiator = try #require(DisconnectInitiator(rawValue: UInt8(row[2])))
        for action in ["Disconnect", "FailedConnect"] where !(action == "FailedConnect" && row[0] == 0) {
            let event = decodeEvent(#"{"Action":"\#(action)","ClientID":"d:o1:sensor:s-1","CloseCode":\#(row[0])}"#)
            #expect(event?.reasonCode == row[0], "\(action) \(row[0])")
            #expect(event?.cause == cause, "\(action) \(row[0])")
            #expect(event?.initiator == initiator, "\(action) \(row[0])")
        }
    }

    /// The codes an operator's `cause: auth` or `cause: keepalive_timeout` rule must see.
    @Test func pingTimeoutsNetworkErrorsAndRefusedLoginsAreClassified() {
        let pings = decodeEvent(#"{"Action":"Disconnect","ClientID":"d:o:t:d","CloseCode":162}"#)
        #expect(pings?.cause.map(\.label) == "keepalive_timeout" && pings?.initiator == .network)
        let network = decodeEvent(#"{"Action":"Disconnect","ClientID":"d:o:t:d","CloseCode":153}"#)
        #expect(network?.cause == .networkClosed && network?.initiator == .network)
        for code in [181, 159] {
            let refused = decodeEvent(#"{"Action":"FailedConnect","ClientID":"d:o:t:d","CloseCode":\#(code)}"#)
            #expect(refused?.cause.map(\.label) == "auth" && refused?.initiator == .server, "\(code)")
        }
    }

    /// The table in the code and the one written above name the same codes, once each.
    @Test func theTableHasEveryCodeOnce() {
        let codes = WatsonCloseCode.entries.map(\.code)
        #expect(Set(codes).count == codes.count)
        #expect(codes.sorted() == expected.map(\.code).sorted())
        for code in [1, 89, 97, 150, 999, -1, Int.max, Int.min] {
            let classified = WatsonCloseCode.classify(code)
            #expect(classified.cause == .unknown && classified.initiator == .unknown, "\(code)")
        }
    }

    /// README's CloseCode table lists every code with the cause and initiator the decoder gives it.
    @Test func theREADMETableMatches() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        var rows: [Int: (String, String)] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 4, let code = Int(cells[0]) else { continue }
            rows[code] = (cells[2].trimmingCharacters(in: CharacterSet(charactersIn: "`")), cells[3])
        }
        for entry in WatsonCloseCode.entries {
            let row = rows[entry.code]
            #expect(row?.0 == entry.cause.label, "README row for CloseCode \(entry.code)")
            #expect(row?.1 == entry.initiator.label, "README row for CloseCode \(entry.code)")
        }
    }
}
