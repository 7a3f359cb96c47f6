import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP server on a free loopback port that plays a broker from a script: for every accepted
/// connection it runs `script` with the socket (one connection at a time) and then closes it.
public final class ScriptedServer: @unchecked Sendable {
    // @unchecked: `accepted` and `running` are guarded by `lock`; `listener` and `script` are immutable.
    public let port: Int
    private let listener: Int32
    private let script: @Sendable (Int32) -> Void
    private let lock = NSLock()
    private var accepted = 0
    private var running = true

    /// Listens and starts serving on a thread of its own.
    public init(script: @escaping @Sendable (Int32) -> Void) throws {
        (listener, port) = try FreePort.listeningSocket()
        self.script = script
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    /// Connections accepted so far.
    public var acceptedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return accepted
    }

    /// Stops accepting.
    public func stop() {
        lock.lock()
        running = false
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve() {
        defer { close(listener) }
        while true {
            let connection = accept(listener, nil, nil)
            lock.lock()
            let keepGoing = running
            if connection >= 0 && keepGoing { accepted += 1 }
            lock.unlock()
            guard connection >= 0, keepGoing else {
                if connection >= 0 { close(connection) }
                return
            }
            script(connection)
            close(connection)
        }
    }
}
