import ConnWatchTestSupport
import Foundation
import Testing

/// `connwatch check CONFIG --peer OTHER`: the real binary compares two instances' files and warns,
/// at both positions, about what would make Alertmanager notify twice; warnings exit 0, a peer file
/// that cannot be used exits 78.
@Suite struct CheckPeerTests {
    /// An instance's file; the broker's name is on line 2, column 9, the severity on line 17, column 15.
    private func configuration(broker: String = "plant", severity: String = "warning") -> String {
        """
        mqtt:
          name: \(broker)
          url: mqtt://127.0.0.1:1883
          subscriptions:
            - topic: iot-2/type/+/id/+/mon
              format: watson-iot
        defaults:
          receivers: [am]
        receivers:
          - name: am
            type: alertmanager
            urls: [http://127.0.0.1:9093, http://127.0.0.1:9094]
        rules:
          - name: sensor_offline
            kind: offline
            for: 10m
            severity: \(severity)

        """
    }

    @Test func differencesAreWarningsNamingBothFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let mine = try dir.write("a.yaml", configuration())
        let peer = try dir.write("b.yaml", configuration(broker: "plant-b", severity: "critical"))
        let same = try dir.write("c.yaml", configuration())
        let result = try runConnWatch(["check", "--config", mine, "--peer", peer, "--peer", same])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.stderr)")
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "\(mine):2:9: warning: broker 127.0.0.1:1883 is named 'plant' here but 'plant-b' in \(peer):2:9"
                )
                    && $0.contains("sends every notification twice")
            },
            "\(result.stderr)"
        )
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "\(mine):17:15: warning: rule 'sensor_offline' has severity warning here but critical in \(peer):17:15"
                )
            },
            "\(result.stderr)"
        )
        #expect(result.stdout.contains("\(peer): 2 difference(s) from \(mine)"), "\(result.stdout)")
        #expect(result.stdout.contains("\(same): same alerts as \(mine)"), "\(result.stdout)")
    }

    @Test func identicalFilesGiveNoWarning() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let mine = try dir.write("a.yaml", configuration())
        let peer = try dir.write("b.yaml", configuration())
        let result = try runConnWatch(["check", "--config", mine, "--peer", peer])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func anUnusablePeerIsAProblem() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let mine = try dir.write("a.yaml", configuration())
        let peer = try dir.write("b.yaml", configuration(severity: "loud"))
        let result = try runConnWatch(["check", "--config", mine, "--peer", peer, "--peer", "\(dir.path)/none.yaml"])
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("\(peer):17:15: severity must be one of"), "\(result.stderr)")
        #expect(result.stderr.contains("\(dir.path)/none.yaml: cannot read the file"), "\(result.stderr)")
    }
}
