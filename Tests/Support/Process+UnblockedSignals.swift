import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Process {
    /// Like `run()`, but the child starts with no signals blocked.
    ///
    /// Swift concurrency runs on dispatch worker threads, which block SIGTERM, SIGINT, SIGHUP and
    /// others, and a child spawned from such a thread inherits that mask. A program that never
    /// unblocks them (mosquitto waits with its inherited mask; a daemon under test may too) then
    /// ignores `SIGTERM` for good. The mask of the calling thread is cleared for the spawn only.
    public func runWithUnblockedSignals() throws {
        var empty = sigset_t()
        var saved = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try run()
    }
}
