import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Process {
    /// Waits at most `timeout` for the process to end; `false` if it still runs then.
    ///
    /// Foundation's `waitUntilExit()` waits for good, and it learns of the exit through a socket the
    /// child inherits: a grandchild that keeps it open (a program started by a launcher, say) keeps
    /// `isRunning` true after the child itself is gone. A test that waits on it can hang the whole
    /// run, so tests wait with this instead, which also looks at the child in `/proc`.
    public func waitForExit(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning && !Process.hasEnded(processIdentifier) {
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        // The child is gone; give Foundation a moment to notice, so `terminationStatus` is readable.
        let settle = ContinuousClock.now + .seconds(2)
        while isRunning && ContinuousClock.now < settle { Thread.sleep(forTimeInterval: 0.01) }
        return true
    }

    /// Sends `signal`, waits up to `grace`, then SIGKILL and up to 10 s more. Never blocks for good;
    /// `false` if the process had to be killed (or could not be seen to end at all).
    @discardableResult
    public func end(signal: Int32 = SIGTERM, grace: Duration = .seconds(10)) -> Bool {
        guard isRunning else { return true }
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

    /// The exit status, or `nil` while Foundation still counts the process as running.
    public var exitStatus: Int32? { isRunning ? nil : terminationStatus }

    /// Whether process `pid` is gone or a zombie (exited, not reaped yet).
    static func hasEnded(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // "pid (comm) S ...": the state follows the last ')' (comm may contain spaces and parens).
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state == "Z" || state == "X"
    }
}
