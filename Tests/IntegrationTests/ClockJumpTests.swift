import ConnWatchTestSupport
import Foundation
import Testing

/// The wall clock jumps an hour forward and back under a running daemon (libfaketime, its offset
/// read from a file on every call; the monotonic clock left alone): offline rules still fire after
/// their real `for`, neither at the jump nor an hour late.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ClockJumpTests {
    static let library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: library), "needs the faketime package"))
    func rulesMeasureRealTimeWhenTheWallClockJumps() async throws {
        let rig = try DaemonRig(forDuration: "4s")
        defer { rig.stop() }
        let (dir, broker, hook, config) = (rig.dir, rig.broker, rig.hook, rig.config)
        let offset = try dir.write("faketime", "+0")
        let daemon = try DaemonProcess(
            config: config,
            directory: dir.path,
            environment: [
                "LD_PRELOAD": Self.library, "FAKETIME_TIMESTAMP_FILE": offset, "FAKETIME_NO_CACHE": "1",
                "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            ],
            // Started directly with libfaketime preloaded, the Swift runtime sometimes sees no
            // command-line arguments (it prints the help and exits 0); started by `timeout` it does.
            launcher: ["/usr/bin/timeout", "--signal=KILL", "170"]
        )
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")

        for (jump, device, direction) in [("+3600", "j1", "forward"), ("-3600", "j2", "back")] {
            hook.clearRequests()
            let start = ContinuousClock.now
            let disconnect = watsonStatus(device, "Disconnect", closeCode: 160)
            try broker.publish(topic: disconnect.topic, payload: disconnect.payload)
            try await Task.sleep(for: .seconds(1))
            try jump.write(toFile: offset, atomically: true, encoding: .utf8)
            let requests = await hook.waitForRequests(count: 1, timeout: .seconds(30))
            let elapsed = start.duration(to: requests.first?.arrivedAt ?? .now)
            #expect(requests.count == 1, "jump \(jump): log:\n\(daemon.log)")
            #expect(requests.first?.bodyText.contains("\"device_id\":\"\(device)\"") == true)
            #expect(elapsed >= .milliseconds(3900), "jump \(jump): fired after \(elapsed), before its 4 s")
            #expect(elapsed < .seconds(20), "jump \(jump): fired after \(elapsed)")
            // The daemon saw the jump (and so the alert above fired across it).
            #expect(
                await daemon.waitForLog("the wall clock moved \(direction) by", timeout: .seconds(5)),
                "log:\n\(daemon.log)"
            )
        }
    }
}
