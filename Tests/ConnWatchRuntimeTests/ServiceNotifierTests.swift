import Foundation
import Testing

@testable import ConnWatchRuntime

/// A bound AF_UNIX datagram socket that plays systemd's side of sd_notify.
private final class NotifyListener {
    let fd: Int32
    let path: String
    private let unlinkOnClose: Bool

    /// Binds `path`; a leading `@` means the abstract namespace.
    init(path: String) throws {
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        self.fd = fd
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        unlinkOnClose = !abstract
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(2 + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(rc == 0, "bind failed: errno \(errno)")
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next datagram as text, or `nil` after 2 s.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Whether a datagram is waiting right now.
    func hasPending() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count >= 0
    }

    deinit {
        close(fd)
        if unlinkOnClose { unlink(path) }
    }
}

private func temporarySocketPath() -> String {
    NSTemporaryDirectory() + "cw-notify-\(UUID().uuidString.prefix(8)).sock"
}

@Suite("ServiceNotifier")
struct ServiceNotifierTests {
    @Test("ready, status, reloading, watchdog and stopping arrive as exact datagrams")
    func filesystemSocket() throws {
        let listener = try NotifyListener(path: temporarySocketPath())
        let notifier = ServiceNotifier(socketPath: listener.path)
        #expect(notifier.isEnabled)

        notifier.ready()
        #expect(listener.receive() == "READY=1")
        notifier.ready(status: "watching 3 brokers")
        #expect(listener.receive() == "READY=1\nSTATUS=watching 3 brokers")
        notifier.reloading(monotonicMicroseconds: 123_456_789)
        #expect(listener.receive() == "RELOADING=1\nMONOTONIC_USEC=123456789")
        notifier.status("line one\nline two")
        #expect(listener.receive() == "STATUS=line one line two")
        notifier.watchdog()
        #expect(listener.receive() == "WATCHDOG=1")
        notifier.stopping()
        #expect(listener.receive() == "STOPPING=1")
        #expect(!listener.hasPending())
    }

    @Test("an abstract-namespace socket (leading @) works")
    func abstractSocket() throws {
        let name = "@connwatch-test-\(UUID().uuidString)"
        let listener = try NotifyListener(path: name)
        let notifier = ServiceNotifier.fromEnvironment(["NOTIFY_SOCKET": name])
        #expect(notifier.socketPath == name)
        notifier.ready(status: "abstract")
        #expect(listener.receive() == "READY=1\nSTATUS=abstract")
        // The same name without @ is a different (filesystem) socket and gets nothing.
        #expect(!ServiceNotifier(socketPath: String(name.dropFirst())).send("READY=1"))
        #expect(!listener.hasPending())
    }

    @Test("without a socket every call is a no-op")
    func noSocket() {
        for notifier in [
            ServiceNotifier(socketPath: nil), ServiceNotifier(socketPath: ""), ServiceNotifier.fromEnvironment([:]),
        ] {
            #expect(!notifier.isEnabled)
            #expect(notifier.socketPath == nil)
            #expect(!notifier.send("READY=1"))
            notifier.ready(status: "x")
            notifier.reloading(monotonicMicroseconds: 1)
            notifier.status("x")
            notifier.watchdog()
            notifier.stopping()
        }
    }

    @Test("a missing or oversized socket path fails quietly")
    func badSocket() {
        #expect(!ServiceNotifier(socketPath: temporarySocketPath()).send("READY=1"))
        #expect(!ServiceNotifier(socketPath: "/tmp/" + String(repeating: "x", count: 200)).send("READY=1"))
        #expect(!ServiceNotifier(socketPath: "@").send("READY=1"))
    }

    @Test("message builder")
    func messages() {
        #expect(ServiceNotification.ready() == "READY=1")
        #expect(ServiceNotification.ready(status: "up") == "READY=1\nSTATUS=up")
        #expect(ServiceNotification.reloading(monotonicMicroseconds: 5) == "RELOADING=1\nMONOTONIC_USEC=5")
        #expect(ServiceNotification.stopping() == "STOPPING=1")
        #expect(ServiceNotification.watchdog() == "WATCHDOG=1")
        #expect(ServiceNotification.status("a\r\nb") == "STATUS=a b")
    }

    @Test("watchdog interval is half of WATCHDOG_USEC and respects WATCHDOG_PID")
    func watchdogInterval() {
        let pid: Int32 = 4242
        #expect(ServiceNotifier.watchdogInterval(["WATCHDOG_USEC": "2000000"], pid: pid) == .seconds(1))
        #expect(
            ServiceNotifier.watchdogInterval(["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "4242"], pid: pid)
                == .milliseconds(1500)
        )
        #expect(ServiceNotifier.watchdogInterval(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"], pid: pid) == nil)
        #expect(ServiceNotifier.watchdogInterval(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "x"], pid: pid) == nil)
        #expect(ServiceNotifier.watchdogInterval(["WATCHDOG_USEC": "0"], pid: pid) == nil)
        #expect(ServiceNotifier.watchdogInterval(["WATCHDOG_USEC": "-5"], pid: pid) == nil)
        #expect(ServiceNotifier.watchdogInterval(["WATCHDOG_PID": "4242"], pid: pid) == nil)
        #expect(ServiceNotifier.watchdogInterval([:], pid: pid) == nil)
    }

    @Test("monotonic microseconds advance with the monotonic clock")
    func monotonic() async throws {
        let clockStart = ContinuousClock.now
        let first = ServiceNotifier.monotonicMicroseconds()
        try await Task.sleep(for: .milliseconds(20))
        let second = ServiceNotifier.monotonicMicroseconds()
        // However long a loaded machine held the task back, both clocks saw the same time pass.
        let elapsed = (ContinuousClock.now - clockStart).components
        let elapsedMicroseconds = UInt64(elapsed.seconds) * 1_000_000 + UInt64(elapsed.attoseconds / 1_000_000_000_000)
        #expect(first > 0)
        #expect(second >= first + 15_000)
        #expect(second - first <= elapsedMicroseconds + 1_000, "microseconds, not a wall-clock jump")
    }
}
