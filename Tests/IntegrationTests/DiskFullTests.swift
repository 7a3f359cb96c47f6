import ConnWatchTestSupport
import Foundation
import Testing

/// The state directory's file system fills up (a 4 MiB tmpfs): the daemon says so clearly, keeps
/// running and alerting, and writes everything it held back once space returns.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DiskFullTests {
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskIsReportedSurvivedAndMadeUpForWhenSpaceReturns() async throws {
        let rig = try DaemonRig(forDuration: "1s")
        defer { rig.stop() }
        let (dir, broker, hook, config) = (rig.dir, rig.broker, rig.hook, rig.config)
        let state = "\(dir.path)/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        #expect(try run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", state]) == 0)
        defer { _ = try? run("/bin/umount", ["-l", state]) }
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")
        let database = "\(state)/connwatch.sqlite"
        let first = watsonStatus("d1", "Connect")
        try broker.publish(topic: first.topic, payload: first.payload)
        #expect(await waitUntil { (try? sqliteQuery(database, "select count(*) from clients")) == "1" })

        // Fill the file system to the last byte.
        let filler = "\(state)/filler"
        _ = try run("/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=64k"])
        for id in ["d2", "d3"] {
            let status = watsonStatus(id, "Disconnect", closeCode: 160)
            try broker.publish(topic: status.topic, payload: status.payload)
        }
        #expect(
            await daemon.waitForLog("cannot write the state database", timeout: .seconds(20)),
            "log:\n\(daemon.log)"
        )
        try await Task.sleep(for: .seconds(2))
        #expect(daemon.process.isRunning)
        #expect(daemon.log.contains("alert firing: d:org1:sensor:d2"), "rules keep running: \(daemon.log)")
        #expect(hook.requests.isEmpty, "the notifications wait in memory for the outbox")

        try FileManager.default.removeItem(atPath: filler)
        #expect(await daemon.waitForLog("the state database is writable again", timeout: .seconds(20)))
        let requests = await hook.waitForRequests(count: 2, timeout: .seconds(20))
        #expect(requests.count == 2, "log:\n\(daemon.log)")
        #expect(Set(requests.compactMap { $0.header("webhook-id") }).count == 2)
        #expect(
            await waitUntil {
                (try? sqliteQuery(database, "select device_id, status from clients order by device_id"))
                    == "d1|connected\nd2|disconnected\nd3|disconnected"
            }
        )
        // Logged loudly once, not once per retry.
        #expect(daemon.log.components(separatedBy: "cannot write the state database").count - 1 <= 2)
    }

    private func waitUntil(_ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    private func run(_ program: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = process.waitForExit(timeout: .seconds(60))
        return (process.exitStatus ?? -1)
    }
}
