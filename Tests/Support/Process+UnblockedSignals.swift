import Foundation
import Synchronization
import Testing

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
    ///
    /// It also checks that the test process does not leak descriptors (see ``DescriptorGuard``).
    public func runWithUnblockedSignals() throws {
        ReapedChildren.sweep()
        DescriptorGuard.check()
        var empty = sigset_t()
        var saved = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try run()
    }
}

/// Fails the test when the test process holds too many open descriptors.
///
/// Foundation's `Process.run()` (swift-corelibs-foundation before PR #5472) over-reads its heap
/// once about 1,366 descriptors are open, and crashes. Helpers that start children must close the
/// pipes and files they give them and let `waitForExit` finish each `Process`; when one does not,
/// this says so long before the crash. Descriptors on /dev/null are not counted: a test may hold
/// many on purpose (the one that puts a socket above select()'s limit holds 1,100), and no helper
/// leaks those. The child is started all the same.
enum DescriptorGuard {
    /// More open descriptors than this (other than /dev/null) fail the test.
    static let limit = 900
    /// The count above which the next failure is recorded: raised by 100 after each, so a leak is
    /// reported a few times rather than at every spawn.
    private static let reportAbove = Mutex(limit)

    static func check() {
        let all = openDescriptors()
        // Telling /dev/null apart takes a readlink per descriptor: only when there are many.
        guard all > limit else { return }
        let counted = openDescriptors(excluding: "/dev/null")
        let report = reportAbove.withLock { threshold in
            guard counted > threshold else { return false }
            threshold = counted + 100
            return true
        }
        if report {
            Issue.record(
                """
                the test process holds \(counted) open descriptors besides /dev/null (\(all) in all; more \
                than \(limit)): a helper leaks them (close the parent's pipe ends and files, and wait with \
                waitForExit); Foundation's Process.run() crashes from about 1,366 on
                """
            )
        }
    }

    /// The entries of /proc/self/fd, less the one the listing itself opens (0 without /proc), and
    /// less those open on `excluded`.
    static func openDescriptors(excluding excluded: String? = nil) -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var count = 0
        var target = [CChar](repeating: 0, count: 256)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let fd = Int32(name), fd != own else { continue }
            if let excluded {
                let length = readlink("/proc/self/fd/\(name)", &target, target.count - 1)
                if length > 0
                    && String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) == excluded
                {
                    continue
                }
            }
            count += 1
        }
        return count
    }
}
