import Foundation
import Glibc
import Synchronization

/// Wakes the engine's task at the next deadline. Only one wake-up is outstanding at a time.
///
/// A thread of its own sleeps in `poll(2)` on a pipe with a relative timeout, measured against
/// `CLOCK_MONOTONIC`: setting the wall clock neither shortens nor stretches a wait (waits on
/// absolute wall-clock deadlines, such as condition variables with the default clock, would stall
/// for an hour after the clock is set back an hour). An idle daemon's thread sleeps without
/// timeout.
final class DeadlineTimer: Sendable {
    private struct State {
        /// The monotonic millisecond of the wake-up, and the engine deadline it stands for.
        var target: (monotonic: Int64, deadline: Int64)?
        var stopped = false
    }

    private let state = Mutex(State())
    /// The pipe's read end (the thread polls it) and write end (`schedule` pokes it).
    private let wakeFD: Int32
    private let pokeFD: Int32
    private let fire: @Sendable () -> Void

    init(fire: @escaping @Sendable () -> Void) {
        self.fire = fire
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fatalError("cannot create the timer's pipe: errno \(errno)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        wakeFD = fds[0]
        pokeFD = fds[1]
        let thread = Thread { [self] in run() }
        thread.name = "connwatch.timer"
        thread.start()
    }

    /// Sets the wake-up to `deadline` (engine time, `now` being engine time now); `nil`: none.
    func schedule(_ deadline: Int64?, now: Int64) {
        let changed = state.withLock { state in
            guard state.target?.deadline != deadline else { return false }
            state.target = deadline.map { (WallClock.monotonic() + max($0 - now, 0), $0) }
            return true
        }
        if changed { poke() }
    }

    /// The outstanding wake-up happened; the next `schedule` sets a new one even for the same
    /// deadline (a wake-up that came early must not leave the deadline without one).
    func fired() {
        state.withLock { $0.target = nil }
    }

    /// Ends the thread; no wake-up happens afterwards.
    func stop() {
        state.withLock { $0.stopped = true }
        poke()
    }

    private func poke() {
        var one: UInt8 = 1
        _ = write(pokeFD, &one, 1)
    }

    private func run() {
        defer {
            close(wakeFD)
            close(pokeFD)
        }
        while true {
            let (target, stopped) = state.withLock { ($0.target, $0.stopped) }
            if stopped { return }
            var timeout: Int32 = -1
            if let target {
                let remaining = target.monotonic - WallClock.monotonic()
                if remaining <= 0 {
                    let due = state.withLock { state in
                        // Still the same wake-up (not replaced meanwhile): it is spent now.
                        guard state.target?.deadline == target.deadline else { return false }
                        state.target = nil
                        return true
                    }
                    if due { fire() }
                    continue
                }
                timeout = Int32(min(remaining, 3_600_000))
            }
            var descriptor = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, timeout) > 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wakeFD, &drain, drain.count) > 0 {}
            }
        }
    }
}
