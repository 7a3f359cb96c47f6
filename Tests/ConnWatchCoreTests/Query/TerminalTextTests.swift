import Foundation
import Testing

@testable import ConnWatchCore

/// Client ids from the feed cannot rewrite the operator's terminal: every view escapes them.
@Suite struct TerminalTextTests {
    /// ESC (a colour and a title change), BEL, NUL, DEL, a C1 CSI and the bidi overrides and isolates.
    static let hostileID =
        "d:org1:sensor:\u{1b}[31mred\u{1b}]0;owned\u{07}\u{0}\u{7f}\u{9b}2J\u{202e}lmx.\u{2066}x\u{2069}"
    static let escapedID =
        #"d:org1:sensor:\u{1b}[31mred\u{1b}]0;owned\u{7}\u{0}\u{7f}\u{9b}2J\u{202e}lmx.\u{2066}x\u{2069}"#

    @Test func escapesControlsAndBidiAndNothingElse() {
        #expect(TerminalText.escape(Self.hostileID) == Self.escapedID)
        #expect(TerminalText.escape("a\nb\r\tc") == #"a\nb\r\tc"#)
        #expect(TerminalText.escape("a\nb", keepingLineBreaks: true) == "a\nb")
        #expect(
            TerminalText.escape("a\u{2029}\u{202a}\u{202d}\u{2067}\u{2068}") == #"a"# + "\u{2029}"
                + #"\u{202a}\u{202d}\u{2067}\u{2068}"#
        )
        let plain = #"d:org1:sensor:日本-ü \ "quoted" é👍🏽"#
        #expect(TerminalText.escape(plain) == plain)
        // A combining mark on ESC does not hide it (scalars, not characters, are checked).
        #expect(TerminalText.escape("x\u{1b}\u{301}") == #"x\u{1b}"# + "\u{301}")
    }

    @Test func jsonStaysTheSameDocument() throws {
        let json = "{\"id\":\"a\u{202e}b\u{9b}c\",\n\"n\":1}"
        let escaped = TerminalText.escapeJSON(json)
        #expect(escaped == "{\"id\":\"a\\u202eb\\u009bc\",\n\"n\":1}")
        let decoded = try JSONSerialization.jsonObject(with: Data(escaped.utf8)) as? [String: Any]
        #expect(decoded?["id"] as? String == "a\u{202e}b\u{9b}c")
    }

    @Test func everyCLIViewEscapesFeedText() throws {
        let now = ms("2026-11-28T06:00:00Z")
        let id = Self.hostileID
        var item = ClientStateItem(id: id, connectionStatus: "disconnected")
        item.reason = "bye\u{07}"
        item.clientAddress = "10.0.0.1\u{1b}[2J"
        let views = [
            CLIViews.statusTable([item], now: now),
            CLIViews.statusDetails(item, now: now),
            CLIViews.logLines([ConnectionLogItem(timestamp: "2026-11-28T05:00:00Z", message: "\(id) connected")]),
            CLIViews.alertsTable(
                [
                    AlertItem(
                        fingerprint: "f",
                        rule: "offline",
                        state: "firing",
                        labels: ["client_id": id],
                        annotations: ["summary": "\(id) is offline"],
                        startsAt: "2026-11-28T05:00:00Z",
                        silencedBy: [],
                        inhibited: false
                    )
                ],
                now: now
            ),
        ]
        for view in views {
            #expect(view.contains(Self.escapedID), "\(view)")
            let unsafe = view.unicodeScalars.filter { TerminalText.isUnsafe($0) && $0 != "\n" }
            #expect(unsafe.isEmpty, "\(view.debugDescription)")
        }
        #expect(CLIViews.statusDetails(item, now: now).contains(#"10.0.0.1\u{1b}[2J"#))
        #expect(CLIViews.logLines([ConnectionLogItem(timestamp: "t", message: "a\nb")]) == "t  a\\nb\n")
    }
}
