import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A header field of a recorded request.
public struct RecordedHeader: Sendable, Equatable {
    /// The field name as sent.
    public var name: String
    /// The field value, surrounding whitespace removed.
    public var value: String

    /// Creates a header field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One request as the server received it.
public struct RecordedRequest: Sendable {
    /// The request method, e.g. `POST`.
    public var method: String
    /// The request target as sent (path and query).
    public var target: String
    /// The HTTP version, e.g. `HTTP/1.1`.
    public var version: String
    /// The header fields in the order received.
    public var headers: [RecordedHeader]
    /// The body (Content-Length or chunked).
    public var body: [UInt8]
    /// When the request was complete, on the continuous clock.
    public var arrivedAt: ContinuousClock.Instant
    /// When the request was complete, wall clock.
    public var receivedAt: Date
    /// Which accepted connection carried the request (1 for the first connection).
    public var connectionID: Int

    /// The target without its query string.
    public var path: String {
        String(target.prefix { $0 != "?" })
    }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    public var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }

    /// The value of the first header named `name` (case-insensitive), or `nil`.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// All values of headers named `name` (case-insensitive).
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }
}

/// What the server does with one request.
public struct ScriptedResponse: Sendable {
    /// The kinds of reaction.
    public enum Action: Sendable, Equatable {
        /// Send the status, headers and body.
        case respond
        /// Close the connection at once without answering.
        case closeConnection
        /// Never answer; the connection stays open until the client closes it or the server stops.
        case noResponse
    }

    /// What to do.
    public var action: Action
    /// The status code sent with ``Action/respond``.
    public var status: Int
    /// Extra header fields; `Content-Length` is always added by the server.
    public var headers: [RecordedHeader]
    /// The body sent.
    public var body: [UInt8]
    /// Wait this long before acting.
    public var delay: Duration

    /// A normal response.
    public init(status: Int, headers: [RecordedHeader] = [], body: [UInt8] = [], delay: Duration = .zero) {
        self.action = .respond
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
    }

    /// A normal response with a UTF-8 text body.
    public init(status: Int, headers: [RecordedHeader] = [], text: String, delay: Duration = .zero) {
        self.init(status: status, headers: headers, body: Array(text.utf8), delay: delay)
    }

    private init(action: Action, delay: Duration) {
        self.action = action
        self.status = 0
        self.headers = []
        self.body = []
        self.delay = delay
    }

    /// `200 ok`.
    public static let ok = ScriptedResponse(status: 200, text: "ok")

    /// Closes the connection after reading the request, without any response.
    public static let closeConnectionAbruptly = ScriptedResponse(action: .closeConnection, delay: .zero)

    /// Reads the request and never answers.
    public static let neverRespond = ScriptedResponse(action: .noResponse, delay: .zero)

    /// Closes the connection abruptly after `delay`.
    public static func closeConnectionAbruptly(after delay: Duration) -> ScriptedResponse {
        ScriptedResponse(action: .closeConnection, delay: delay)
    }
}

/// Errors of ``TestHTTPServer/init()``.
public struct TestHTTPServerError: Error, CustomStringConvertible {
    /// The failing call.
    public var operation: String
    /// `errno` after the call.
    public var errno: Int32

    /// `operation failed: strerror(errno)`.
    public var description: String {
        "\(operation) failed: \(String(cString: strerror(errno)))"
    }
}

/// A real HTTP/1.1 server on 127.0.0.1 with an OS-assigned port, for tests.
///
/// It accepts keep-alive connections (one thread each), parses requests with `Content-Length` or chunked
/// bodies, records every request, and answers from a script: queued ``ScriptedResponse``s are used one per
/// request, then the ``setResponder(_:)`` closure if set, else the default (`200 ok`). Clients that
/// disconnect at any point are tolerated. Always call ``stop()`` when done: the server's threads keep it
/// alive until then.
public final class TestHTTPServer: @unchecked Sendable {
    /// The port the server listens on.
    public let port: Int

    private let listenFD: Int32
    private let lock = NSCondition()
    private var script: [ScriptedResponse] = []
    private var defaultResponse = ScriptedResponse.ok
    private var responder: (@Sendable (RecordedRequest) -> ScriptedResponse)?
    private var recorded: [RecordedRequest] = []
    private var connectionCount = 0
    private var openConnections: [Int: Int32] = [:]
    private var isStopped = false
    private var acceptLoopRunning = true
    private var liveConnectionThreads = 0

    /// Binds 127.0.0.1 on a free port and starts accepting.
    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestHTTPServerError(operation: "socket", errno: errno) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let error = TestHTTPServerError(operation: "bind", errno: errno)
            close(fd)
            throw error
        }
        guard listen(fd, 128) == 0 else {
            let error = TestHTTPServerError(operation: "listen", errno: errno)
            close(fd)
            throw error
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let error = TestHTTPServerError(operation: "getsockname", errno: errno)
            close(fd)
            throw error
        }
        listenFD = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "TestHTTPServer.accept"
        thread.start()
    }

    deinit {
        stop()
    }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Adds a response to the end of the script.
    public func enqueue(_ response: ScriptedResponse) {
        lock.lock()
        script.append(response)
        lock.unlock()
    }

    /// Sets the response used when the script is empty and no responder is set.
    public func setDefault(_ response: ScriptedResponse) {
        lock.lock()
        defaultResponse = response
        lock.unlock()
    }

    /// Sets (or with `nil` removes) a closure that answers when the script is empty.
    public func setResponder(_ responder: (@Sendable (RecordedRequest) -> ScriptedResponse)?) {
        lock.lock()
        self.responder = responder
        lock.unlock()
    }

    /// Every request received so far, in arrival order.
    public var requests: [RecordedRequest] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// How many TCP connections were accepted so far.
    public var acceptedConnections: Int {
        lock.lock()
        defer { lock.unlock() }
        return connectionCount
    }

    /// Forgets the recorded requests (the connection count stays).
    public func clearRequests() {
        lock.lock()
        recorded.removeAll()
        lock.unlock()
    }

    /// Waits until at least `count` requests arrived or `timeout` passed; returns the requests seen.
    public func waitForRequests(count: Int, timeout: Duration) async -> [RecordedRequest] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let current = requests
            if current.count >= count || ContinuousClock.now >= deadline {
                return current
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Stops accepting, closes every connection and waits for the server's threads to end. Idempotent.
    public func stop() {
        lock.lock()
        if isStopped {
            lock.unlock()
            return
        }
        isStopped = true
        _ = shutdown(listenFD, Int32(SHUT_RDWR))
        for fd in openConnections.values {
            _ = shutdown(fd, Int32(SHUT_RDWR))
        }
        lock.broadcast()
        let deadline = Date().addingTimeInterval(5)
        while (acceptLoopRunning || liveConnectionThreads > 0) && Date() < deadline {
            _ = lock.wait(until: deadline)
        }
        lock.unlock()
        close(listenFD)
    }

    // MARK: - Accepting

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            lock.lock()
            if isStopped {
                lock.unlock()
                close(fd)
                break
            }
            connectionCount += 1
            let id = connectionCount
            openConnections[id] = fd
            liveConnectionThreads += 1
            lock.unlock()
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let thread = Thread { [self] in
                serve(ConnectionReader(fd: fd), id: id)
                lock.lock()
                openConnections[id] = nil
                liveConnectionThreads -= 1
                lock.broadcast()
                lock.unlock()
                close(fd)
            }
            thread.name = "TestHTTPServer.connection-\(id)"
            thread.start()
        }
        lock.lock()
        acceptLoopRunning = false
        lock.broadcast()
        lock.unlock()
    }

    // MARK: - Serving one connection

    private func serve(_ reader: ConnectionReader, id: Int) {
        while let parsed = reader.readRequest() {
            let request = RecordedRequest(
                method: parsed.method,
                target: parsed.target,
                version: parsed.version,
                headers: parsed.headers,
                body: parsed.body,
                arrivedAt: .now,
                receivedAt: Date(),
                connectionID: id
            )
            let response = record(request)
            if response.delay > .zero && !sleep(response.delay) {
                return
            }
            switch response.action {
            case .closeConnection:
                return
            case .noResponse:
                reader.drainUntilClosed()
                return
            case .respond:
                let closeAfter =
                    request.header("Connection")?.lowercased() == "close" || request.version == "HTTP/1.0"
                let bytes = Self.encode(response, head: request.method == "HEAD", close: closeAfter)
                if !reader.writeAll(bytes) || closeAfter {
                    return
                }
            }
        }
    }

    private func record(_ request: RecordedRequest) -> ScriptedResponse {
        lock.lock()
        recorded.append(request)
        let next: ScriptedResponse?
        let handler = responder
        if script.isEmpty {
            next = handler == nil ? defaultResponse : nil
        } else {
            next = script.removeFirst()
        }
        lock.unlock()
        if let next { return next }
        return handler?(request) ?? ScriptedResponse.ok
    }

    /// Sleeps for `duration` unless the server stops first; returns false when stopped.
    private func sleep(_ duration: Duration) -> Bool {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        let deadline = Date().addingTimeInterval(seconds)
        lock.lock()
        defer { lock.unlock() }
        while !isStopped && Date() < deadline {
            _ = lock.wait(until: deadline)
        }
        return !isStopped
    }

    private static func encode(_ response: ScriptedResponse, head: Bool, close: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(response.status) \(reasonPhrase(response.status))\r\n"
        let hasLength = response.headers.contains { $0.name.lowercased() == "content-length" }
        for header in response.headers {
            text += "\(header.name): \(header.value)\r\n"
        }
        if !hasLength {
            text += "Content-Length: \(response.body.count)\r\n"
        }
        if close {
            text += "Connection: close\r\n"
        }
        text += "\r\n"
        var bytes = Array(text.utf8)
        if !head {
            bytes += response.body
        }
        return bytes
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 413: return "Payload Too Large"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status"
        }
    }
}

/// A parsed request before it is recorded.
private struct ParsedRequest {
    var method: String
    var target: String
    var version: String
    var headers: [RecordedHeader]
    var body: [UInt8]
}

/// Buffered reading and writing on one accepted socket; used by its connection thread only.
private final class ConnectionReader {
    static let maximumHeadSize = 64 * 1024
    static let maximumBodySize = 16 * 1024 * 1024

    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
    }

    /// Reads more bytes into the buffer; false on EOF or error.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer += chunk[0..<count]
                return true
            }
            if count < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// Returns the bytes up to and excluding `CRLF` (or a bare LF), consuming the line.
    private func readLine(limit: Int) -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > 0 && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[0..<end], as: UTF8.self)
                buffer.removeFirst(newline + 1)
                return line
            }
            if buffer.count > limit || !fill() { return nil }
        }
    }

    private func readExactly(_ count: Int) -> [UInt8]? {
        while buffer.count < count {
            if !fill() { return nil }
        }
        let bytes = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return bytes
    }

    /// The next complete request, or `nil` when the peer closed or sent garbage.
    func readRequest() -> ParsedRequest? {
        var requestLine = ""
        // Tolerate empty lines between requests (RFC 9112 §2.2).
        while requestLine.isEmpty {
            guard let line = readLine(limit: Self.maximumHeadSize) else { return nil }
            requestLine = line
        }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3 else { return nil }
        var headers: [RecordedHeader] = []
        var headSize = requestLine.utf8.count
        while true {
            guard let line = readLine(limit: Self.maximumHeadSize) else { return nil }
            if line.isEmpty { break }
            headSize += line.utf8.count
            guard headSize <= Self.maximumHeadSize, let colon = line.firstIndex(of: ":") else { return nil }
            let name = String(line[line.startIndex..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append(RecordedHeader(name: name, value: value))
        }
        func value(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value
        }
        if value("expect")?.lowercased() == "100-continue" {
            guard writeAll(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return nil }
        }
        var body: [UInt8] = []
        if value("transfer-encoding")?.lowercased().contains("chunked") == true {
            guard let chunked = readChunkedBody() else { return nil }
            body = chunked
        } else if let lengthText = value("content-length") {
            guard let length = Int(lengthText), length >= 0, length <= Self.maximumBodySize,
                let bytes = readExactly(length)
            else { return nil }
            body = bytes
        }
        return ParsedRequest(
            method: String(parts[0]),
            target: String(parts[1]),
            version: String(parts[2]),
            headers: headers,
            body: body
        )
    }

    private func readChunkedBody() -> [UInt8]? {
        var body: [UInt8] = []
        while true {
            guard let sizeLine = readLine(limit: 1024) else { return nil }
            let sizeText = sizeLine.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
            guard let size = Int(sizeText, radix: 16), size >= 0, body.count + size <= Self.maximumBodySize else {
                return nil
            }
            if size == 0 {
                // Trailer fields until an empty line.
                while true {
                    guard let trailer = readLine(limit: Self.maximumHeadSize) else { return nil }
                    if trailer.isEmpty { return body }
                }
            }
            guard let chunk = readExactly(size), readLine(limit: 2) != nil else { return nil }
            body += chunk
        }
    }

    /// Reads and discards until the peer closes (or the server shuts the socket down).
    func drainUntilClosed() {
        buffer.removeAll()
        while fill() {
            buffer.removeAll()
        }
    }

    /// Writes everything; false when the peer is gone.
    func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return true }
            var offset = 0
            while offset < raw.count {
                let sent = send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent > 0 {
                    offset += sent
                } else if sent < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
    }
}
