import Glibc

/// The state strings of the sd_notify protocol (pure, for building and testing messages).
public enum ServiceNotification {
    /// `READY=1`, plus `STATUS=` when given.
    public static func ready(status: String? = nil) -> String {
        guard let status else { return "READY=1" }
        return "READY=1\n" + Self.status(status)
    }

    /// `RELOADING=1` and `MONOTONIC_USEC=` in one message, as systemd ≥ 253 requires (older ones ignore the latter).
    public static func reloading(monotonicMicroseconds: UInt64) -> String {
        "RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds)"
    }

    /// `STOPPING=1`.
    public static func stopping() -> String { "STOPPING=1" }

    /// `STATUS=` with the text on one line (line breaks become spaces).
    public static func status(_ text: String) -> String {
        let oneLine = String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
        return "STATUS=" + oneLine
    }

    /// `WATCHDOG=1`.
    public static func watchdog() -> String { "WATCHDOG=1" }
}

/// Sends sd_notify state changes as AF_UNIX datagrams to the socket systemd names in `$NOTIFY_SOCKET`
/// (a path, or an abstract-namespace name when it starts with `@`). Without a socket every call does nothing.
///
/// The socket path is read once and injected, so tests can bind their own socket instead of changing the
/// process environment. Errors are ignored, as sd_notify(3) recommends; ``send(_:)`` reports them.
public struct ServiceNotifier: Sendable {
    /// The socket path, `nil` when notifications are off.
    public let socketPath: String?

    /// Creates a notifier for `socketPath`; `nil` or an empty string turns notifications off.
    public init(socketPath: String?) {
        if let socketPath, !socketPath.isEmpty {
            self.socketPath = socketPath
        } else {
            self.socketPath = nil
        }
    }

    /// A notifier for `$NOTIFY_SOCKET` in `env`.
    public static func fromEnvironment(_ env: [String: String]) -> ServiceNotifier {
        ServiceNotifier(socketPath: env["NOTIFY_SOCKET"])
    }

    /// Whether a socket is configured.
    public var isEnabled: Bool { socketPath != nil }

    /// Start-up (or reload) finished.
    public func ready(status: String? = nil) { send(ServiceNotification.ready(status: status)) }

    /// A reload begins; send ``ready(status:)`` when it is done.
    public func reloading(monotonicMicroseconds: UInt64) {
        send(ServiceNotification.reloading(monotonicMicroseconds: monotonicMicroseconds))
    }

    /// Shutdown begins.
    public func stopping() { send(ServiceNotification.stopping()) }

    /// A one-line status for `systemctl status`.
    public func status(_ text: String) { send(ServiceNotification.status(text)) }

    /// Watchdog keep-alive.
    public func watchdog() { send(ServiceNotification.watchdog()) }

    /// Sends `message` as one datagram; `true` when it was sent, `false` when off or on error.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let socketPath else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let isAbstract = pathBytes.first == UInt8(ascii: "@")
        if isAbstract {
            pathBytes[0] = 0
        }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A filesystem path needs room for its terminating NUL; an abstract name does not have one.
        guard pathBytes.count + (isAbstract ? 0 : 1) <= capacity, pathBytes.count > (isAbstract ? 1 : 0) else {
            return false
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path).map {
            $0 + pathBytes.count + (isAbstract ? 0 : 1)
        }
        guard let length else { return false }

        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let payload = Array(message.utf8)
        let sent = payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
                }
            }
        }
        return sent == payload.count
    }

    /// The interval at which to send ``watchdog()``: half of `$WATCHDOG_USEC`, or `nil` when the watchdog is
    /// off, the value is invalid, or `$WATCHDOG_PID` is set and is not `pid`.
    public static func watchdogInterval(_ env: [String: String], pid: Int32) -> Duration? {
        guard let text = env["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pidText = env["WATCHDOG_PID"] {
            guard let watchdogPID = Int32(pidText), watchdogPID == pid else { return nil }
        }
        return .microseconds(Int64(clamping: usec / 2))
    }

    /// `CLOCK_MONOTONIC` in microseconds, for ``reloading(monotonicMicroseconds:)``.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
