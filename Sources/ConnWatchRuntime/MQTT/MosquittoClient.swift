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
        continuation.finish()

        guard wasStarted else { return }
        let deadline = Date().addingTimeInterval(2)
        condition.lock()
        while !loopFinished && condition.wait(until: deadline) {}
        condition.unlock()
    }

    // MARK: - Loop thread

    /// How long the network loop may wait for the socket, in milliseconds. libmosquitto shortens
    /// the wait to the next keep-alive ping by itself, and `mosquitto_disconnect` interrupts it, so
    /// an idle connection wakes the process once per keep-alive instead of every second.
    static let loopTimeout: Int32 = 3_600_000

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

    /// Runs libmosquitto's network loop until the connection ends; returns its code and `errno`.
    private func runNetworkLoop() -> (code: Int32, errno: Int32) {
        while true {
            let code = mosquitto_loop(handle, Self.loopTimeout, 1)
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
