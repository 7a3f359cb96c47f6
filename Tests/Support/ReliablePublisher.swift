import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A QoS 1 MQTT 3.1.1 publisher for fault tests that loses nothing when the broker is killed.
///
/// Plain sockets, no C library: it keeps up to `window` PUBLISH packets in flight and reconnects (clean
/// session) whenever the connection drops. Mosquitto sends PUBACK once a message is in its *memory*; the
/// message is on disk only after the next autosave has run to completion. A SIGKILL in between loses it
/// (unless it was already delivered). So a message counts as delivered only once it is *durable*: acked,
/// and two autosaves have started since the ack was seen (the first one may have begun before the
/// message arrived; the second begins after the first finished). After a broker restart the publisher
/// resends, in the original order and before anything new, every message that was in flight or acked but
/// not yet durable. This gives at-least-once delivery to the subscriber's persistent session; repeated
/// messages are the subscriber's to detect.
public final class ReliablePublisher: @unchecked Sendable {
    // @unchecked: the counters are guarded by `lock`; everything else is used only by the thread in `run`.

    /// One message: topic and payload.
    public struct Message: Sendable {
        /// The MQTT topic.
        public var topic: String
        /// The payload bytes.
        public var payload: [UInt8]

        /// Creates a message.
        public init(topic: String, payload: [UInt8]) {
            self.topic = topic
            self.payload = payload
        }
    }

    /// What the publisher did, for assertions and failure messages.
    public struct Statistics: Sendable, CustomStringConvertible {
        /// PUBLISH packets written, first sends and resends.
        public var sent = 0
        /// PUBLISH packets written again after a lost connection.
        public var resent = 0
        /// PUBACKs received.
        public var acked = 0
        /// Messages acked at least once (distinct).
        public var ackedMessages = 0
        /// Successful connections (CONNACK accepted).
        public var connections = 0

        /// One line for failure messages.
        public var description: String {
            "sent \(sent) (resent \(resent)), acks \(acked), acked messages \(ackedMessages), connections \(connections)"
        }
    }

    private let port: Int
    private let clientID: String
    private let window: Int
    private let messagesPerSecond: Int?
    private let savesStarted: () -> Int
    private let lock = NSLock()
    private var statistics = Statistics()
    private var epoch = 0
    private var stopRequested = false

    /// Prepares a publisher to 127.0.0.1:`port`. `savesStarted` returns how many times the broker has
    /// begun saving its database so far (e.g. "Saving in-memory database" lines in its log); it is called
    /// with the publisher's lock held, so a ``brokerKill(_:)`` cannot interleave. `messagesPerSecond`
    /// paces first sends (resends are never held back); `nil` sends as fast as the window allows.
    public init(
        port: Int,
        clientID: String,
        window: Int = 500,
        messagesPerSecond: Int? = nil,
        savesStarted: @escaping () -> Int
    ) {
        self.port = port
        self.clientID = clientID
        self.window = window
        self.messagesPerSecond = messagesPerSecond
        self.savesStarted = savesStarted
    }

    /// The statistics so far.
    public var stats: Statistics {
        lock.lock()
        defer { lock.unlock() }
        return statistics
    }

    /// Runs `kill` (which kills the broker) so that no durability check overlaps it; afterwards every
    /// message not yet durable is sent again.
    public func brokerKill(_ kill: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        epoch += 1
        kill()
    }

    /// Makes ``publish(_:until:)`` give up at its next step.
    public func stop() {
        lock.lock()
        stopRequested = true
        lock.unlock()
    }

    /// Publishes every message, blocking the calling thread, and stays connected (reconnecting after
    /// each kill) until `isSettled()` says no more kills will come. Returns then, once each message is
    /// acked (acked messages need not become durable then). Throws only after ``stop()``.
    public func publish(_ messages: [Message], until isSettled: @escaping () -> Bool) throws {
        var state = SendState(count: messages.count)
        var connection: Connection?
        var myEpoch = -1
        let start = ContinuousClock.now
        while true {
            lock.lock()
            let stopping = stopRequested
            let currentEpoch = epoch
            lock.unlock()
            if stopping { throw TestBrokerError("publisher stopped: \(stats); \(state.summary)") }
            if connection == nil || currentEpoch != myEpoch {
                connection = nil
                state.connectionLost()
                guard let fresh = Connection(port: port, clientID: clientID) else {
                    Thread.sleep(forTimeInterval: 0.05)
                    continue
                }
                connection = fresh
                myEpoch = currentEpoch
                count { $0.connections += 1 }
            }
            guard let current = connection else { continue }
            // Connected until no more kills will come, even once every message is durable: a kill
            // must find the publisher there to count as one.
            if isSettled() && state.allAcked { return }
            // Fill the window, oldest (resends) first.
            var out: [UInt8] = []
            var sentNow = 0
            var resentNow = 0
            var allowed = Int.max
            if let rate = messagesPerSecond {
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                allowed = Int(seconds * Double(rate)) + 1
            }
            while state.inFlight.count < window, let (index, isResend) = state.nextToSend(newBelow: allowed) {
                let id = state.assignPacketID(to: index)
                Packet.appendPublish(messages[index], packetID: id, duplicate: isResend, to: &out)
                sentNow += 1
                if isResend { resentNow += 1 }
            }
            if !out.isEmpty {
                guard current.write(out) else {
                    connection = nil
                    continue
                }
                count {
                    $0.sent += sentNow
                    $0.resent += resentNow
                }
            }
            // Read what the broker sent: PUBACKs.
            guard let acks = current.readAcks(timeoutMilliseconds: state.inFlight.count < window ? 0 : 100) else {
                connection = nil
                continue
            }
            var newlyAcked = 0
            for id in acks where state.acknowledge(packetID: id) { newlyAcked += 1 }
            let ackCount = acks.count
            count {
                $0.acked += ackCount
                $0.ackedMessages += newlyAcked
            }
            // Stamp the new acks and retire durable messages, with no kill in between.
            lock.lock()
            if epoch == myEpoch {
                state.updateDurability(savesStarted: savesStarted())
            }
            lock.unlock()
            if sentNow == 0, acks.isEmpty { Thread.sleep(forTimeInterval: 0.001) }
        }
    }

    private func count(_ update: (inout Statistics) -> Void) {
        lock.lock()
        update(&statistics)
        lock.unlock()
    }
}

/// Which messages are new, in flight, acked but not durable, or done.
private struct SendState {
    let count: Int
    /// Next never-sent message.
    var next = 0
    /// Messages to send again, in original order.
    var resend: [Int] = []
    var resendPosition = 0
    /// Packet id → message index.
    var inFlight: [UInt16: Int] = [:]
    var nextPacketID: UInt16 = 1
    /// Acked messages waiting to become durable: (message, saves started when the ack was seen; -1 = not yet read).
    var acked: [(index: Int, stamp: Int)] = []
    var ackedPosition = 0
    /// Messages acked at least once.
    var everAcked: [Bool]

    init(count: Int) {
        self.count = count
        everAcked = Array(repeating: false, count: count)
    }

    var hasWork: Bool { next < count || resendPosition < resend.count }

    var summary: String {
        "next \(next)/\(count), to resend \(resend.count - resendPosition), in flight \(inFlight.count), "
            + "not durable \(acked.count - ackedPosition)"
    }

    /// Every message sent and acked (once no kill can come, acked is enough).
    var allAcked: Bool { !hasWork && inFlight.isEmpty }

    /// The next message to send: a resend, else a new one with an index below `newBelow`.
    mutating func nextToSend(newBelow: Int) -> (Int, Bool)? {
        if resendPosition < resend.count {
            defer { resendPosition += 1 }
            return (resend[resendPosition], true)
        }
        guard next < count, next < newBelow else { return nil }
        defer { next += 1 }
        return (next, false)
    }

    mutating func assignPacketID(to index: Int) -> UInt16 {
        while inFlight[nextPacketID] != nil { nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1 }
        let id = nextPacketID
        nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1
        inFlight[id] = index
        return id
    }

    /// Returns `true` when this is the message's first ack.
    mutating func acknowledge(packetID: UInt16) -> Bool {
        guard let index = inFlight.removeValue(forKey: packetID) else { return false }
        acked.append((index, -1))
        defer { everAcked[index] = true }
        return !everAcked[index]
    }

    mutating func updateDurability(savesStarted: Int) {
        var position = ackedPosition
        while position < acked.count {
            if acked[position].stamp < 0 { acked[position].stamp = savesStarted }
            position += 1
        }
        while ackedPosition < acked.count, savesStarted >= acked[ackedPosition].stamp + 2 {
            ackedPosition += 1
        }
        if ackedPosition > 4096 {
            acked.removeFirst(ackedPosition)
            ackedPosition = 0
        }
    }

    /// Everything in flight or not yet durable is sent again, oldest first, before anything new.
    mutating func connectionLost() {
        var again = Set(inFlight.values)
        for position in ackedPosition..<acked.count { again.insert(acked[position].index) }
        for position in resendPosition..<resend.count { again.insert(resend[position]) }
        resend = again.sorted()
        resendPosition = 0
        inFlight = [:]
        acked = []
        ackedPosition = 0
    }
}

/// MQTT 3.1.1 packet encoding for CONNECT and PUBLISH.
private enum Packet {
    static func appendRemainingLength(_ length: Int, to out: inout [UInt8]) {
        var value = length
        repeat {
            var byte = UInt8(value % 128)
            value /= 128
            if value > 0 { byte |= 0x80 }
            out.append(byte)
        } while value > 0
    }

    static func appendString(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.append(UInt8(bytes.count >> 8))
        out.append(UInt8(bytes.count & 0xFF))
        out += bytes
    }

    static func connect(clientID: String) -> [UInt8] {
        var body: [UInt8] = []
        appendString(Array("MQTT".utf8), to: &body)
        body += [4, 0x02, 0, 60]  // level 4, clean session, keepalive 60 s
        appendString(Array(clientID.utf8), to: &body)
        var out: [UInt8] = [0x10]
        appendRemainingLength(body.count, to: &out)
        return out + body
    }

    static func appendPublish(
        _ message: ReliablePublisher.Message,
        packetID: UInt16,
        duplicate: Bool,
        to out: inout [UInt8]
    ) {
        let topic = Array(message.topic.utf8)
        out.append(duplicate ? 0x3A : 0x32)  // PUBLISH, QoS 1, DUP when resent
        appendRemainingLength(2 + topic.count + 2 + message.payload.count, to: &out)
        appendString(topic, to: &out)
        out.append(UInt8(packetID >> 8))
        out.append(UInt8(packetID & 0xFF))
        out += message.payload
    }
}

/// One TCP connection to the broker, CONNECT/CONNACK done.
private final class Connection {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init?(port: Int, clientID: String) {
        guard let socketFD = FreePort.connectedSocket(port) else { return nil }
        fd = socketFD
        var noDelay: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        guard write(Packet.connect(clientID: clientID)) else {
            close(fd)
            return nil
        }
        // CONNACK: 0x20 0x02 flags code.
        let deadline = Date().addingTimeInterval(5)
        while buffer.count < 4 && Date() < deadline {
            guard fill(timeoutMilliseconds: 100) else {
                close(fd)
                return nil
            }
        }
        guard buffer.count >= 4, buffer[0] == 0x20, buffer[3] == 0 else {
            close(fd)
            return nil
        }
        buffer.removeFirst(4)
    }

    deinit {
        close(fd)
    }

    /// Writes everything; `false` when the connection is gone.
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Reads what is available (waiting up to the timeout for the first byte) and returns the packet ids
    /// of complete PUBACKs; `nil` when the connection is gone.
    func readAcks(timeoutMilliseconds: Int32) -> [UInt16]? {
        guard fill(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        var ids: [UInt16] = []
        var position = 0
        while buffer.count - position >= 2 {
            let type = buffer[position]
            let length = Int(buffer[position + 1])  // PUBACK and PINGRESP lengths fit in one byte
            guard buffer.count - position >= 2 + length else { break }
            if type == 0x40 && length == 2 {
                ids.append(UInt16(buffer[position + 2]) << 8 | UInt16(buffer[position + 3]))
            }
            position += 2 + length
        }
        buffer.removeFirst(position)
        return ids
    }

    /// Appends available bytes; `false` on EOF or error.
    private func fill(timeoutMilliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready < 0 { return errno == EINTR }
        if ready == 0 { return true }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if received < 0 { return errno == EINTR || errno == EAGAIN }
        guard received > 0 else { return false }
        buffer += chunk[0..<received]
        return true
    }
}
