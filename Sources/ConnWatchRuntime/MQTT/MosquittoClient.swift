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
/// `mosquitto_loop_forever`, which reconnects by itself after ordinary connection losses with the
/// capped backoff from ``MQTTClientOptions/reconnectDelayMin`` / ``MQTTClientOptions/reconnectDelayMax``.
/// libmosquitto gives up for good on "fatal" errors (name resolution, TLS, protocol, auth); when
/// that happens the thread reports ``MQTTEvent/connectFailed(code:reason:)``, waits with exponential
/// backoff plus jitter and starts over — forever, until ``shutdown()``. Every subscription is
/// (re)sent after every successful connect.
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
    private let handle: OpaquePointer
    private let connectProperties: OpaquePointer?
    private let condition = NSCondition()
    private var started = false
    private var stopping = false
    private var loopFinished = false
    private var connected = false
    private var refusalReported = false
    private var consecutiveFailures = 0

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
        while !isStopping {
            let connectCode = connectOnce()
            if isStopping {
                // shutdown() may have run before the connect reset libmosquitto's state.
                mosquitto_disconnect(handle)
                if connectCode == MOSQ_ERR_SUCCESS.rawValue {
                    _ = mosquitto_loop_forever(handle, Self.loopTimeout, 1)
                }
                break
            }
            guard connectCode == MOSQ_ERR_SUCCESS.rawValue else {
                emit(.connectFailed(code: Int(connectCode), reason: "connect: \(Self.errorText(connectCode))"))
                backOff()
                continue
            }
            let loopCode = mosquitto_loop_forever(handle, Self.loopTimeout, 1)
            if isStopping { break }
            condition.lock()
            connected = false
            condition.unlock()
            emit(
                .connectFailed(
                    code: Int(loopCode),
                    reason: "network loop stopped: \(Self.errorText(loopCode)); starting over"
                )
            )
            backOff()
        }
        condition.lock()
        connected = false
        loopFinished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The blocking TCP (and TLS) connect plus sending CONNECT; the CONNACK arrives in the loop.
    private func connectOnce() -> Int32 {
        condition.lock()
        refusalReported = false
        condition.unlock()
        let keepAlive = Int32(options.keepAlive)
        let port = Int32(options.port)
        if options.protocolVersion == .v5 {
            return mosquitto_connect_bind_v5(handle, options.host, port, keepAlive, nil, connectProperties)
        }
        return mosquitto_connect(handle, options.host, port, keepAlive)
    }

    /// Sleeps an exponential, jittered delay; returns early on shutdown.
    private func backOff() {
        condition.lock()
        defer { condition.unlock() }
        consecutiveFailures += 1
        let delay = Self.backoffDelay(
            attempt: consecutiveFailures,
            minimum: options.reconnectDelayMin,
            maximum: options.reconnectDelayMax
        )
        let deadline = Date().addingTimeInterval(delay)
        while !stopping && condition.wait(until: deadline) {}
    }

    /// Seconds to wait before attempt `attempt` (1-based): `min·2^(attempt-1)` capped at `max`,
    /// then scaled by a random factor in 0.5...1.
    static func backoffDelay(attempt: Int, minimum: Duration, maximum: Duration) -> Double {
        let low = seconds(minimum)
        let high = max(low, seconds(maximum))
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let capped = min(high, low * pow(2, exponent))
        return capped * Double.random(in: 0.5...1)
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
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
            refusalReported = true
            condition.unlock()
            emit(.connectFailed(code: Int(code), reason: refusalText(code)))
            return
        }
        condition.lock()
        connected = true
        consecutiveFailures = 0
        condition.unlock()
        for subscription in options.subscriptions {
            // A failure here means the connection is already gone; the next connect subscribes again.
            _ = mosquitto_subscribe(handle, nil, subscription.filter, Int32(subscription.qos))
        }
        emit(.connected(sessionPresent: flags & 1 != 0))
    }

    private func handleDisconnect(code: Int32) {
        condition.lock()
        let wasConnected = connected
        let refused = refusalReported
        let ending = stopping
        connected = false
        refusalReported = false
        condition.unlock()
        if wasConnected {
            emit(.disconnected(code: Int(code), reason: Self.errorText(code)))
        } else if !refused && !ending && code != 0 {
            emit(.connectFailed(code: Int(code), reason: "connection closed before CONNACK: \(Self.errorText(code))"))
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

    // MARK: - Texts

    private func refusalText(_ code: Int32) -> String {
        let text: UnsafePointer<CChar>?
        switch options.protocolVersion {
        case .v311: text = mosquitto_connack_string(code)
        case .v5: text = mosquitto_reason_string(code)
        }
        return "connection refused: " + (text.map { String(cString: $0) } ?? "code \(code)")
    }

    static func errorText(_ code: Int32) -> String {
        if code >= 128 {
            return mosquitto_reason_string(code).map { String(cString: $0) } ?? "reason code \(code)"
        }
        if code == MOSQ_ERR_ERRNO.rawValue {
            return "system error: " + String(cString: strerror(errno))
        }
        return mosquitto_strerror(code).map { String(cString: $0) } ?? "error \(code)"
    }
}
