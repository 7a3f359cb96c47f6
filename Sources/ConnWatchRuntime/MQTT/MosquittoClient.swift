import CMosquitto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `mosquitto_lib_init` runs once per process, the first time a client is created.
private let mosquittoLibraryInitialised: Bool = {
    mosquitto_lib_init()
    return true
}()

/// An MQTT subscriber on top of libmosquitto that reports connection changes and messages as an
/// `AsyncStream`.
///
/// The client owns one dedicated thread. That thread makes the (blocking) TCP connect and runs
/// libmosquitto's network loop itself (`mosquitto_loop`), so every way an attempt can end — a DNS or
/// TCP failure, a TLS failure, a CONNACK refusal of either protocol version, a connection lost after
/// connecting — goes through the same place: it is classified once (``ConnectFailureClassifier``),
/// reported once as ``MQTTEvent/connectFailed(_:)`` or ``MQTTEvent/disconnected(_:)`` with the delay
/// drawn from the one ``ReconnectBackoff``, and retried after that delay — forever, until
/// ``shutdown()``. Every subscription is (re)sent after every successful connect.
///
/// Call ``shutdown()`` when done: the loop thread keeps the client alive until then.
public final class MosquittoClient: @unchecked Sendable {
    // @unchecked: `handle` is only used through libmosquitto's thread-safe entry points (the loop
    // runs on `loopThread`, libmosquitto locks its own state); all mutable Swift state is guarded by
    // `condition`.

    /// Connection changes and messages, in the order they happened. Unbounded: nothing is dropped.
    /// Finishes on ``shutdown()``.
    public let events: AsyncStream<MQTTEvent>

    private let continuation: AsyncStream<MQTTEvent>.Continuation
    private let options: MQTTClientOptions
    private let classifier: ConnectFailureClassifier
    let handle: OpaquePointer
    private let connectProperties: OpaquePointer?
    private let condition = NSCondition()
    private var started = false
    private var stopping = false
    private var loopFinished = false
    private var connected = false
    /// What the attempt under way has seen so far.
    private var attempt = ConnectAttempt()
    /// Interrupts the network loop's wait on shutdown.
    private let wake = WakePipe()

    /// Where events go instead of ``events`` (called on the client's thread), if set.
    private let sink: (@Sendable (MQTTEvent) -> Void)?

    /// Validates `options` and prepares the libmosquitto handle; does not connect (see ``start()``).
    ///
    /// With a `sink`, every event is handed to it on the client's thread, in order, instead of
    /// going to ``events`` (which then only finishes on ``shutdown()``): a consumer that batches
    /// messages saves one task switch per message.
    public init(options: MQTTClientOptions, sink: (@Sendable (MQTTEvent) -> Void)? = nil) throws(MQTTClientError) {
        _ = mosquittoLibraryInitialised
        try Self.validate(options)
        let (handle, properties) = try Self.makeHandle(options)
        self.options = options
        self.classifier = ConnectFailureClassifier(options: options)
        self.handle = handle
        self.connectProperties = properties
        self.sink = sink
        (events, continuation) = AsyncStream.makeStream(of: MQTTEvent.self, bufferingPolicy: .unbounded)
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        installCallbacks()
    }

    deinit {
        mosquitto_destroy(handle)
        var properties = connectProperties
        if properties != nil {
            mosquitto_property_free_all(&properties)
        }
    }

    /// `true` between a successful CONNACK and the next disconnect.
    public var isConnected: Bool {
        condition.lock()
        defer { condition.unlock() }
        return connected
    }

    /// Starts connecting on the client's own thread and returns at once. A broker that is down or a
    /// host name that does not resolve only produces events; it never blocks or fails this call.
    /// Calling it again, or after ``shutdown()``, does nothing.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started, !stopping else { return }
        started = true
        let thread = Thread { [self] in
            self.runLoopThread()
        }
        thread.name = "mqtt-\(options.host):\(options.port)"
        thread.start()
    }

    /// Disconnects cleanly, stops the network loop and finishes ``events``. Idempotent.
    ///
    /// Waits up to two seconds for the loop thread to end. If libmosquitto is inside one of its own
    /// reconnect sleeps the thread ends when that sleep is over; no events are delivered after this call.
    public func shutdown() {
        condition.lock()
        if stopping {
            condition.unlock()
            return
        }
        stopping = true
        let wasStarted = started
        condition.broadcast()
        condition.unlock()

        mosquitto_disconnect(handle)
        wake.signal()
        continuation.finish()

        guard wasStarted else { return }
        let deadline = Date().addingTimeInterval(2)
        condition.lock()
        while !loopFinished && condition.wait(until: deadline) {}
        condition.unlock()
    }

    // MARK: - Loop thread

    /// How long the network loop may wait for the socket, in milliseconds: a quarter of the
    /// keep-alive, so the PINGREQ libmosquitto's keep-alive check sends on an idle connection is at
    /// most that late (a broker gives up after 1.5 × keep-alive), and an idle connection wakes the
    /// process four times per keep-alive. ``shutdown()`` interrupts the wait through `wake`.
    static func pollTimeout(keepAlive: Int) -> Int32 {
        keepAlive > 0 ? Int32(clamping: max(250, keepAlive * 250)) : 3_600_000
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func runLoopThread() {
        var backoff = ReconnectBackoff(minimum: options.reconnectDelayMin, maximum: options.reconnectDelayMax)
        while !isStopping {
            beginAttempt()
            let connectCode = connectOnce()
            let connectErrno = errno
            if isStopping {
                // shutdown() may have run before the connect reset libmosquitto's state.
                mosquitto_disconnect(handle)
                if connectCode == MOSQ_ERR_SUCCESS.rawValue { _ = runNetworkLoop() }
                break
            }
            var loop: (code: Int32, errno: Int32) = (0, 0)
            if connectCode == MOSQ_ERR_SUCCESS.rawValue {
                loop = runNetworkLoop()
                if isStopping { break }
            }
            let seen = endAttempt(connect: (connectCode, connectErrno), loop: loop)
            if seen.connected { backoff.reset() }
            let delay = backoff.nextDelay()
            let report = MQTTConnectFailure(
                classifier.classify(seen),
                code: Int(Self.reportedCode(seen)),
                retryIn: delay,
                attempt: backoff.failures
            )
            emit(seen.connected ? .disconnected(report) : .connectFailed(report))
            sleep(for: delay)
        }
        mosquitto_log_callback_set(handle, nil)
        condition.lock()
        connected = false
        loopFinished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Runs the network loop until the connection ends; returns libmosquitto's code and `errno`.
    ///
    /// The loop waits with `poll` and hands the socket to `mosquitto_loop_read`/`_write`/`_misc`
    /// (libmosquitto's external-loop API) instead of calling `mosquitto_loop`, whose `select` fails
    /// with "Invalid function arguments" for a socket numbered 1024 or higher: a process with many
    /// open files could otherwise never connect.
    private func runNetworkLoop() -> (code: Int32, errno: Int32) {
        let timeout = Self.pollTimeout(keepAlive: options.keepAlive)
        while true {
            let socket = mosquitto_socket(handle)
            guard socket >= 0 else { return (MOSQ_ERR_NO_CONN.rawValue, 0) }
            let writeEvents = mosquitto_want_write(handle) ? Int16(POLLOUT) : 0
            var fds = [
                pollfd(fd: socket, events: Int16(POLLIN) | writeEvents, revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 2, timeout) < 0 {
                if errno == EINTR { continue }
                return (MOSQ_ERR_ERRNO.rawValue, errno)
            }
            if fds[0].revents & Int16(POLLNVAL) != 0 { return (MOSQ_ERR_NO_CONN.rawValue, 0) }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let code = mosquitto_loop_read(handle, 1)
                if code != MOSQ_ERR_SUCCESS.rawValue || mosquitto_socket(handle) < 0 { return (code, errno) }
            }
            // A wake-up (shutdown queued a DISCONNECT) tries a write, as `mosquitto_loop` does.
            let woken = fds[1].revents != 0 && wake.drain()
            if fds[0].revents & Int16(POLLOUT) != 0 || (woken && mosquitto_want_write(handle)) {
                let code = mosquitto_loop_write(handle, 1)
                if code != MOSQ_ERR_SUCCESS.rawValue || mosquitto_socket(handle) < 0 { return (code, errno) }
            }
            let code = mosquitto_loop_misc(handle)
            if code != MOSQ_ERR_SUCCESS.rawValue { return (code, errno) }
        }
    }

    /// The blocking TCP (and TLS) connect plus sending CONNECT; the CONNACK arrives in the loop.
    private func connectOnce() -> Int32 {
        let keepAlive = Int32(options.keepAlive)
        let port = Int32(options.port)
        if options.protocolVersion == .v5 {
            return mosquitto_connect_bind_v5(handle, options.host, port, keepAlive, nil, connectProperties)
        }
        return mosquitto_connect(handle, options.host, port, keepAlive)
    }

    /// A fresh record, and libmosquitto's log (its only report of OpenSSL's errors) switched on
    /// until the broker accepts: once connected it would format a line per message received.
    private func beginAttempt() {
        condition.lock()
        attempt = ConnectAttempt()
        condition.unlock()
        installLogCallback()
    }

    private func endAttempt(connect: (Int32, Int32), loop: (Int32, Int32)) -> ConnectAttempt {
        condition.lock()
        defer { condition.unlock() }
        connected = false
        (attempt.connectCode, attempt.connectErrno) = connect
        (attempt.loopCode, attempt.loopErrno) = loop
        return attempt
    }

    /// The code a report carries: the broker's refusal code, else libmosquitto's.
    private static func reportedCode(_ attempt: ConnectAttempt) -> Int32 {
        if let refusal = attempt.refusal { return refusal }
        if attempt.connectCode != MOSQ_ERR_SUCCESS.rawValue { return attempt.connectCode }
        if let code = attempt.disconnectCode, code != 0 { return code }
        return attempt.loopCode
    }

    /// Sleeps `delay`; returns early on shutdown.
    private func sleep(for delay: Duration) {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(ReconnectBackoff.seconds(delay))
        while !stopping && condition.wait(until: deadline) {}
    }

    private func emit(_ event: MQTTEvent) {
        if let sink {
            sink(event)
        } else {
            continuation.yield(event)
        }
    }

    // MARK: - Callbacks (run on the loop thread)

    private func installCallbacks() {
        mosquitto_connect_v5_callback_set(handle) { _, userdata, code, flags, _ in
            guard let userdata else { return }
            Unmanaged<MosquittoClient>.fromOpaque(userdata).takeUnretainedValue()
                .handleConnect(code: code, flags: flags)
        }
        mosquitto_disconnect_v5_callback_set(handle) { _, userdata, code, _ in
            guard let userdata else { return }
            Unmanaged<MosquittoClient>.fromOpaque(userdata).takeUnretainedValue().handleDisconnect(code: code)
        }
        mosquitto_message_v5_callback_set(handle) { _, userdata, message, _ in
            guard let userdata, let message else { return }
            Unmanaged<MosquittoClient>.fromOpaque(userdata).takeUnretainedValue().handleMessage(message)
        }
    }

    private func handleConnect(code: Int32, flags: Int32) {
        guard code == 0 else {
            condition.lock()
            attempt.refusal = code
            condition.unlock()
            return
        }
        mosquitto_log_callback_set(handle, nil)
        condition.lock()
        connected = true
        attempt.connected = true
        condition.unlock()
        for subscription in options.subscriptions {
            // A failure here means the connection is already gone; the next connect subscribes again.
            _ = mosquitto_subscribe(handle, nil, subscription.filter, Int32(subscription.qos))
        }
        emit(.connected(sessionPresent: flags & 1 != 0))
    }

    private func handleDisconnect(code: Int32) {
        condition.lock()
        connected = false
        attempt.disconnectCode = code
        condition.unlock()
    }

    /// Called by the log callback for an error line of the attempt under way; `ssl` is the attempt's
    /// TLS connection while libmosquitto still holds it (it reports OpenSSL's errors before closing).
    func recordLogError(_ line: String, verify: (result: Int, text: String)?, peerSubject: String?) {
        condition.lock()
        defer { condition.unlock() }
        attempt.recordError(line)
        if attempt.peerSubject == nil { attempt.peerSubject = peerSubject }
        if let verify, verify.result != 0, attempt.verifyResult == nil {
            attempt.verifyResult = verify.result
            attempt.verifyText = verify.text
        }
    }

    private func handleMessage(_ message: UnsafePointer<mosquitto_message>) {
        let receivedAt = Self.wallClockMilliseconds()
        let raw = message.pointee
        let topic = raw.topic.map { String(cString: $0) } ?? ""
        var payload: [UInt8] = []
        if let bytes = raw.payload, raw.payloadlen > 0 {
            payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(raw.payloadlen)))
        }
        emit(
            .message(
                MQTTMessage(
                    topic: topic,
                    payload: payload,
                    retained: raw.retain,
                    qos: Int(raw.qos),
                    receivedAt: receivedAt
                )
            )
        )
    }

    private static func wallClockMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
