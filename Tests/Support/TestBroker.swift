import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An error from starting or driving a ``TestBroker``.
public struct TestBrokerError: Error, CustomStringConvertible, Sendable {
    /// What failed, with the detail needed to debug it (exit status, log tail, ...).
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}

/// Free TCP ports on the loopback interface.
public enum FreePort {
    /// A port that was free a moment ago on 127.0.0.1 (bind to port 0, read it, close).
    public static func loopback() throws -> Int {
        let (fd, port) = try boundSocket()
        close(fd)
        return port
    }

    /// A TCP socket listening on a free port of 127.0.0.1 (the caller closes it), and the port.
    public static func listeningSocket(backlog: Int32 = 8) throws -> (fd: Int32, port: Int) {
        let (fd, port) = try boundSocket()
        guard listen(fd, backlog) == 0 else {
            close(fd)
            throw TestBrokerError("listen(127.0.0.1:\(port)): errno \(errno)")
        }
        return (fd, port)
    }

    /// A TCP socket bound to a free port of 127.0.0.1, and the port.
    private static func boundSocket() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestBrokerError("socket(): errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            close(fd)
            throw TestBrokerError("bind(127.0.0.1:0): errno \(errno)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// `true` when a TCP connect to 127.0.0.1:`port` succeeds right now.
    public static func accepts(_ port: Int) -> Bool {
        guard let fd = connectedSocket(port) else { return false }
        close(fd)
        return true
    }

    /// A TCP socket connected to 127.0.0.1:`port` (the caller closes it), or `nil` if the connect fails.
    public static func connectedSocket(_ port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
    }
}

/// A real Debian `mosquitto` broker, run as a child process on a free loopback port, for tests.
///
/// The configuration lives in a fresh temporary directory: `listener PORT 127.0.0.1`,
/// `allow_anonymous true` (unless disabled), unlimited queues and in-flight windows, persistence in the
/// temporary directory (a restarted broker keeps retained messages and persistent sessions that were
/// saved on a clean stop) and a log file (``logContents()``). The broker is stopped on `deinit`, and
/// every broker still running when the test process exits normally is killed then.
public final class TestBroker: @unchecked Sendable {
    // @unchecked: mutable state is guarded by `lock`.

    /// The loopback port the broker listens on (stays the same across ``restart()``).
    public var port: Int {
        lock.lock()
        defer { lock.unlock() }
        return currentPort
    }
    /// The temporary directory with configuration, persistence database and log.
    public let directory: URL
    private let allowAnonymous: Bool
    private let extraConfiguration: String
    private let lock = NSLock()
    private var process: Process?
    private var currentPort: Int

    /// Prepares a broker and, unless `startImmediately` is `false`, starts it (see ``start()``).
    /// `extraConfiguration` lines are appended to the config file (e.g. a second, TLS listener).
    public init(allowAnonymous: Bool = true, extraConfiguration: String = "", startImmediately: Bool = true) throws {
        self.allowAnonymous = allowAnonymous
        self.extraConfiguration = extraConfiguration
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("connwatch-broker-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        currentPort = try FreePort.loopback()
        if startImmediately {
            do {
                try start()
            } catch {
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `mqtt://127.0.0.1:PORT`.
    public var url: String { "mqtt://127.0.0.1:\(port)" }

    /// `true` while the broker process runs.
    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return process?.isRunning ?? false
    }

    /// Starts the broker and waits (up to 10 s) until its port accepts connections. If the port was
    /// taken meanwhile, picks another one (up to 5 tries). Does nothing if it already runs.
    public func start() throws {
        var lastError: any Error = TestBrokerError("mosquitto did not start")
        for attempt in 0..<5 {
            if attempt > 0 {
                lock.lock()
                currentPort = (try? FreePort.loopback()) ?? currentPort
                lock.unlock()
            }
            do {
                try launch()
                return
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// Stops the broker if it runs and starts it again on the same port (retrying while the port is
    /// still held by the old process).
    public func restart() throws {
        stop()
        var lastError: any Error = TestBrokerError("mosquitto did not restart")
        for _ in 0..<5 {
            do {
                try launch()
                return
            } catch {
                lastError = error
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        throw lastError
    }

    /// Sends SIGTERM and waits for the exit (a clean stop saves the persistence database). Falls back to
    /// SIGKILL after 5 s.
    public func stop() {
        terminate(signal: SIGTERM)
    }

    /// Sends SIGKILL and waits for the exit (nothing is saved).
    public func kill() {
        terminate(signal: SIGKILL)
    }

    /// Publishes `payload` with `mosquitto_pub` and waits until it exits; throws on a non-zero status.
    public func publish(topic: String, payload: String, retained: Bool = false, qos: Int = 1) throws {
        try publish(topic: topic, bytes: Array(payload.utf8), retained: retained, qos: qos)
    }

    /// Publishes raw bytes (any content, also non-UTF-8) with `mosquitto_pub -s` from standard input.
    public func publish(topic: String, bytes: [UInt8], retained: Bool = false, qos: Int = 1) throws {
        var arguments = ["-t", topic, "-q", String(qos), "-s"]
        if retained { arguments.append("-r") }
        try runClient(arguments, input: Data(bytes))
    }

    /// Removes the retained message of `topic` (publishes an empty retained payload).
    public func publishRetainedClear(topic: String) throws {
        try runClient(["-t", topic, "-q", "1", "-r", "-n"], input: nil)
    }

    /// The broker's log so far (empty if it has none yet).
    public func logContents() -> String {
        (try? String(contentsOf: directory.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? ""
    }

    /// Number of times `text` occurs in the broker log (the log is appended to across restarts).
    public func logOccurrences(of text: String) -> Int {
        logContents().components(separatedBy: text).count - 1
    }

    /// Waits until `text` occurs at least `count` times in the broker log, e.g.
    /// `"Received SUBSCRIBE from my-client"` to know a subscription is in place before publishing.
    /// Returns `false` on timeout.
    public func waitForLog(containing text: String, count: Int = 1, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if logOccurrences(of: text) >= count { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return logOccurrences(of: text) >= count
    }

    // MARK: - Internals

    private func configuration() -> String {
        """
        listener \(currentPort) 127.0.0.1
        allow_anonymous \(allowAnonymous)
        max_queued_messages 0
        max_inflight_messages 0
        persistence true
        persistence_location \(directory.path)/
        autosave_interval 1
        log_dest file \(directory.appendingPathComponent("mosquitto.log").path)
        log_type all
        user root
        \(extraConfiguration)

        """
    }

    private func launch() throws {
        lock.lock()
        defer { lock.unlock() }
        if let process, process.isRunning { return }
        let configFile = directory.appendingPathComponent("mosquitto.conf")
        try configuration().write(to: configFile, atomically: true, encoding: .utf8)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
        child.arguments = ["-c", configFile.path]
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.runWithUnblockedSignals()
        ChildRegistry.shared.add(child.processIdentifier)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !child.isRunning {
                _ = child.waitForExit(timeout: .seconds(60))
                ChildRegistry.shared.remove(child.processIdentifier)
                throw TestBrokerError(
                    "mosquitto exited with status \(child.exitStatus ?? -1) on port \(currentPort): \(logTail())"
                )
            }
            if FreePort.accepts(currentPort) {
                process = child
                return
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Glibc.kill(child.processIdentifier, SIGKILL)
        _ = child.waitForExit(timeout: .seconds(60))
        ChildRegistry.shared.remove(child.processIdentifier)
        throw TestBrokerError("mosquitto did not accept connections on port \(currentPort) within 10 s: \(logTail())")
    }

    private func terminate(signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        guard let child = process else { return }
        process = nil
        if child.isRunning {
            Glibc.kill(child.processIdentifier, signal)
            let deadline = Date().addingTimeInterval(5)
            while child.isRunning && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.01)
            }
            if child.isRunning {
                Glibc.kill(child.processIdentifier, SIGKILL)
            }
        }
        _ = child.waitForExit(timeout: .seconds(60))
        ChildRegistry.shared.remove(child.processIdentifier)
    }

    private func logTail() -> String {
        String(logContents().suffix(800))
    }

    private func runClient(_ arguments: [String], input: Data?) throws {
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_pub")
        client.arguments = ["-h", "127.0.0.1", "-p", String(port)] + arguments
        let stdinPipe = input == nil ? nil : Pipe()
        let stderrPipe = Pipe()
        client.standardInput = stdinPipe ?? FileHandle.nullDevice
        client.standardOutput = FileHandle.nullDevice
        client.standardError = stderrPipe
        // Foundation closes the child's ends (stdin's read end, stderr's write end) after the spawn;
        // the parent's ends are closed here (a `Process` may outlive this call, and its pipes with it).
        defer {
            try? stdinPipe?.fileHandleForWriting.close()
            try? stderrPipe.fileHandleForReading.close()
        }
        try client.runWithUnblockedSignals()
        if let input, let stdinPipe {
            stdinPipe.fileHandleForWriting.write(input)
            try? stdinPipe.fileHandleForWriting.close()
        }
        let errorOutput = stderrPipe.fileHandleForReading.readDataToEndOfFile()
        _ = client.waitForExit(timeout: .seconds(60))
        guard (client.exitStatus ?? -1) == 0 else {
            let text = String(decoding: errorOutput, as: UTF8.self)
            throw TestBrokerError("mosquitto_pub \(arguments) exited with \(client.exitStatus ?? -1): \(text)")
        }
    }
}

/// Process ids of running brokers, killed at normal process exit so no broker outlives the tests.
private final class ChildRegistry: @unchecked Sendable {
    // @unchecked: `pids` is guarded by `lock`.
    static let shared = ChildRegistry()

    private let lock = NSLock()
    private var pids: Set<Int32> = []

    private init() {
        atexit {
            ChildRegistry.shared.killAll()
        }
    }

    func add(_ pid: Int32) {
        lock.lock()
        pids.insert(pid)
        lock.unlock()
    }

    func remove(_ pid: Int32) {
        lock.lock()
        pids.remove(pid)
        lock.unlock()
    }

    func killAll() {
        lock.lock()
        let running = pids
        pids = []
        lock.unlock()
        for pid in running {
            Glibc.kill(pid, SIGKILL)
        }
    }
}
