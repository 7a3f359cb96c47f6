import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension Process {
    /// Waits at most `timeout` for the process to end; `false` if it still runs then.
    ///
    /// Foundation's `waitUntilExit()` waits for good, and it learns of the exit through a socket
    /// the child inherits. Any other process that got a copy keeps `isRunning` true after the child
    /// is gone: a grandchild (a program started by a launcher), or a child spawned by another test at
    /// the same moment, which may live until the run ends. So tests wait with this instead: a child
    /// that has been a zombie for a second while Foundation still counts it as running is reaped
    /// here, and its status is kept for ``exitStatus``.
    ///
    /// A Foundation `Process` and its run-loop source keep each other alive until `waitUntilExit()`
    /// runs, and with them the pipes and files the process was given. Once `isRunning` is false this
    /// calls it (it then returns at once). A child reaped here still counts as running for Foundation
    /// (`waitUntilExit()` would block), so it is kept in a list that later calls sweep.
    public func waitForExit(timeout: Duration) -> Bool {
        ReapedChildren.sweep()
        let deadline = ContinuousClock.now + timeout
        var zombieSince: ContinuousClock.Instant?
        while isRunning {
            if ReapedChildren.status(of: self) != nil { return true }
            if Process.hasEnded(processIdentifier) {
                let since = zombieSince ?? .now
                zombieSince = since
                if since.duration(to: .now) >= .seconds(1) {
                    var status: Int32 = 0
                    if waitpid(processIdentifier, &status, WNOHANG) == processIdentifier {
                        // WIFEXITED: the exit code; otherwise the signal, as `terminationStatus` gives it.
                        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f
                        ReapedChildren.record(code, for: self)
                        return true
                    }
                }
            }
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        finishWithFoundation()
        return true
    }

    /// `waitUntilExit()` for a process whose `isRunning` is false: it returns at once and drops the
    /// run-loop source that keeps this object (and its pipes and files) alive. Serialised, because
    /// two threads (a test and the sweep) may finish the same process.
    fileprivate func finishWithFoundation() {
        ReapedChildren.finishing.withLock { _ in
            if !isRunning { waitUntilExit() }
        }
    }

    /// Sends `signal`, waits up to `grace`, then SIGKILL and up to 10 s more. Never blocks for good;
    /// `false` if the process had to be killed (or could not be seen to end at all).
    @discardableResult
    public func end(signal: Int32 = SIGTERM, grace: Duration = .seconds(10)) -> Bool {
        guard isAlive else { return true }
        kill(processIdentifier, signal)
        if waitForExit(timeout: grace) { return true }
        // A launcher's children would outlive it: they go first.
        for pid in Process.descendants(of: processIdentifier) { kill(pid, SIGKILL) }
        kill(processIdentifier, SIGKILL)
        _ = waitForExit(timeout: .seconds(10))
        return false
    }

    /// Every process below `pid` (children, their children, ...), from `/proc`.
    static func descendants(of pid: Int32) -> [Int32] {
        var found: [Int32] = []
        var queue = [pid]
        while let next = queue.popLast() {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(next)/task")) ?? []
            for task in tasks {
                let text = (try? String(contentsOfFile: "/proc/\(next)/task/\(task)/children", encoding: .utf8)) ?? ""
                for child in text.split(separator: " ").compactMap({ Int32($0) }) where !found.contains(child) {
                    found.append(child)
                    queue.append(child)
                }
            }
        }
        return found
    }

    /// Like `isRunning`, but `false` once `waitForExit` has reaped the process itself (its pid may
    /// then belong to another process: never signal it).
    public var isAlive: Bool { isRunning && ReapedChildren.status(of: self) == nil }

    /// The exit status (or the signal that ended it), or `nil` while it runs.
    public var exitStatus: Int32? {
        if let reaped = ReapedChildren.status(of: self) { return reaped }
        return isRunning ? nil : terminationStatus
    }

    /// Whether process `pid` is gone or a zombie (exited, not reaped yet).
    static func hasEnded(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // "pid (comm) S ...": the state follows the last ')' (comm may contain spaces and parens).
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state == "Z" || state == "X"
    }
}

/// Exit statuses of children that `waitForExit` reaped itself (Foundation never learnt of them),
/// keyed by the `Process` object, not the pid (pids are reused: `pid_max` may be 32768).
enum ReapedChildren {
    private struct Entry {
        weak var process: Process?
        let status: Int32
    }

    private struct State {
        var statuses: [ObjectIdentifier: Entry] = [:]
        /// Reaped here while Foundation still counts them as running: `waitUntilExit()` is due once
        /// `isRunning` turns false (when the last copy of Foundation's socket to the child closes).
        var pending: [Process] = []
    }

    private static let state = Mutex(State())
    /// Held while `waitUntilExit()` runs on an ended process.
    static let finishing = Mutex(())

    static func record(_ status: Int32, for process: Process) {
        state.withLock {
            $0.statuses[ObjectIdentifier(process)] = Entry(process: process, status: status)
            $0.pending.append(process)
        }
    }

    static func status(of process: Process) -> Int32? {
        state.withLock { state in
            guard let entry = state.statuses[ObjectIdentifier(process)], entry.process === process else { return nil }
            return entry.status
        }
    }

    /// Finishes the pending processes Foundation has since seen end, and forgets freed ones.
    static func sweep() {
        let ended: [Process] = state.withLock { state in
            state.statuses = state.statuses.filter { $0.value.process != nil }
            var ended: [Process] = []
            var running: [Process] = []
            for process in state.pending {
                if process.isRunning { running.append(process) } else { ended.append(process) }
            }
            state.pending = running
            return ended
        }
        for process in ended { process.finishWithFoundation() }
    }
}
