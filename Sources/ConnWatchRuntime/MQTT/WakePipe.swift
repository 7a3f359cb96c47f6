#if canImport(Glibc)
    import Glibc
#endif

/// A non-blocking pipe: one thread writes a byte to interrupt another's `poll` on the read end.
/// If the pipe cannot be made (no descriptors left) both ends are -1, which `poll` ignores: the
/// waiting thread then only wakes at its timeout.
final class WakePipe: Sendable {
    let read: Int32
    let write: Int32

    init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            }
        } else {
            ends = [-1, -1]
        }
        (read, write) = (ends[0], ends[1])
    }

    deinit {
        if read >= 0 { close(read) }
        if write >= 0 { close(write) }
    }

    /// Wakes the thread polling ``read``.
    func signal() {
        guard write >= 0 else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(write, &byte, 1)
    }

    /// Empties the pipe; returns `true`.
    func drain() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        while Glibc.read(read, &buffer, buffer.count) > 0 {}
        return true
    }
}
