import CCurl
import CCurlShim
import Glibc
import Synchronization

/// Process-wide libcurl set-up, run once on first use: `curl_global_init` and ignoring SIGPIPE
/// (with `CURLOPT_NOSIGNAL` a closed peer would otherwise kill the process).
private let curlGlobalSetUp: Int = {
    _ = signal(SIGPIPE, SIG_IGN)
    return Int(curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue)
}()

/// Makes sure ``curlGlobalSetUp`` has run; returns the `CURLcode` of `curl_global_init`.
@discardableResult
func ensureCurlGlobalSetUp() -> Int {
    curlGlobalSetUp
}

/// A flag set from any thread to abort a transfer; checked by the transfer's progress callback.
final class CancellationFlag: Sendable {
    private let state = Atomic<Bool>(false)

    var isSet: Bool { state.load(ordering: .acquiring) }

    func set() { state.store(true, ordering: .releasing) }
}

/// Collects the response while `curl_easy_perform` runs. Only touched by the worker thread running the transfer.
private final class TransferContext {
    static let drainLimit = 1024 * 1024

    let cancellation: CancellationFlag
    var body: [UInt8] = []
    var bodyBytesSeen = 0
    var headers: [HTTPHeader] = []
    var stoppedReadingBody = false

    init(cancellation: CancellationFlag) {
        self.cancellation = cancellation
    }

    /// Keeps at most 64 KiB; after 1 MiB stops the transfer (the status and headers are already known).
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bodyBytesSeen += bytes.count
        let room = HTTPResponse.maximumBodySize - body.count
        if room > 0 {
            body.append(contentsOf: bytes.prefix(room))
        }
        if bodyBytesSeen > Self.drainLimit {
            stoppedReadingBody = true
            return false
        }
        return true
    }

    /// Records one header line; a status line starts a new response (after 1xx, a proxy CONNECT, ...).
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        var end = bytes.count
        while end > 0 && (bytes[end - 1] == UInt8(ascii: "\r") || bytes[end - 1] == UInt8(ascii: "\n")) {
            end -= 1
        }
        let line = String(decoding: bytes[0..<end], as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[line.startIndex..<colon].trimmingSpaces()
        let value = line[line.index(after: colon)...].trimmingSpaces()
        guard !name.isEmpty else { return }
        headers.append(HTTPHeader(name: name, value: value))
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

private let writeCallback: ccw_data_callback = { buffer, size, count, userdata in
    guard let userdata else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    let total = size * count
    guard let buffer, total > 0 else { return total }
    let accepted = context.receiveBody(UnsafeRawBufferPointer(start: buffer, count: total))
    return accepted ? total : 0
}

private let headerCallback: ccw_data_callback = { buffer, size, count, userdata in
    guard let userdata else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    let total = size * count
    guard let buffer, total > 0 else { return total }
    context.receiveHeaderLine(UnsafeRawBufferPointer(start: buffer, count: total))
    return total
}

private let progressCallback: curl_xferinfo_callback = { userdata, _, _, _, _ in
    guard let userdata else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    return context.cancellation.isSet ? 1 : 0
}

/// One long-lived libcurl easy handle. Not thread-safe: owned and used by exactly one worker thread, so its
/// connection cache is reused across requests.
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let userAgent: String

    /// Returns `nil` when libcurl cannot create a handle.
    init?(userAgent: String) {
        ensureCurlGlobalSetUp()
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        self.userAgent = userAgent
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Runs one request to completion on the calling thread (blocks).
    func perform(_ request: HTTPRequest, cancellation: CancellationFlag) -> Result<HTTPResponse, HTTPTransportError> {
        let redaction = URLRedaction(url: request.url)
        if cancellation.isSet {
            return .failure(.cancelled(origin: redaction.origin))
        }
        if let problem = Self.validate(request) {
            return .failure(
                HTTPTransportError(
                    code: HTTPTransportError.badArgumentCode,
                    message: "\(problem) [\(redaction.origin)]"
                )
            )
        }

        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let context = TransferContext(cancellation: cancellation)
        let contextPointer = Unmanaged.passRetained(context).toOpaque()
        defer { Unmanaged<TransferContext>.fromOpaque(contextPointer).release() }

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        let bodyBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, request.body.count))
        defer { bodyBuffer.deallocate() }
        bodyBuffer.initialize(repeating: 0, count: max(1, request.body.count))
        // Runs first on return: the handle must not keep pointers to the buffers freed above between requests.
        // Reset keeps the connection cache.
        defer { curl_easy_reset(handle) }
        request.body.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                bodyBuffer.update(from: base, count: source.count)
            }
        }

        var setupCode = configure(request, context: contextPointer, body: bodyBuffer)
        if setupCode == CURLE_OK {
            var lines = request.headers.map { "\($0.name): \($0.value)" }
            if !request.headers.contains(where: { $0.name.lowercased() == "expect" }) {
                // Never wait for "100 Continue": webhook bodies are small.
                lines.append("Expect:")
            }
            for line in lines where setupCode == CURLE_OK {
                if let extended = curl_slist_append(headerList, line) {
                    headerList = extended
                } else {
                    setupCode = CURLE_OUT_OF_MEMORY
                }
            }
            if setupCode == CURLE_OK {
                setupCode = ccw_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
            }
        }
        if setupCode != CURLE_OK {
            return .failure(makeError(setupCode, redaction: redaction))
        }

        let code = curl_easy_perform(handle)
        if code != CURLE_OK {
            if cancellation.isSet {
                return .failure(.cancelled(origin: redaction.origin))
            }
            if !(code == CURLE_WRITE_ERROR && context.stoppedReadingBody) {
                return .failure(makeError(code, redaction: redaction))
            }
        }
        var status = 0
        _ = ccw_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: context.headers, body: context.body))
    }

    private static func validate(_ request: HTTPRequest) -> String? {
        // Byte-wise: "\r\n" is a single Character, so Character comparisons would miss it.
        let forbidden: (UInt8) -> Bool = { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
        let isSeparator: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        if request.method.isEmpty || request.method.utf8.contains(where: { forbidden($0) || isSeparator($0) }) {
            return "invalid method"
        }
        if request.url.utf8.contains(where: forbidden) {
            return "invalid URL"
        }
        for header in request.headers {
            let badName = header.name.utf8.contains { forbidden($0) || isSeparator($0) || $0 == UInt8(ascii: ":") }
            if header.name.isEmpty || badName || header.value.utf8.contains(where: forbidden) {
                return "invalid header field"
            }
        }
        return nil
    }

    private func configure(
        _ request: HTTPRequest,
        context: UnsafeMutableRawPointer,
        body: UnsafeMutablePointer<UInt8>
    ) -> CURLcode {
        let longOptions: [(CURLoption, Int)] = [
            (CURLOPT_NOSIGNAL, 1),
            (CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout)),
            (CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout)),
            (CURLOPT_FOLLOWLOCATION, 0),
            (CURLOPT_TCP_KEEPALIVE, 1),
        ]
        for (option, value) in longOptions {
            let code = ccw_setopt_long(handle, option, value)
            if code != CURLE_OK { return code }
        }
        let stringOptions: [(CURLoption, String)] = [
            (CURLOPT_URL, request.url),
            (CURLOPT_PROTOCOLS_STR, "http,https"),
            (CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
            (CURLOPT_USERAGENT, userAgent),
        ]
        for (option, value) in stringOptions {
            let code = ccw_setopt_string(handle, option, value)
            if code != CURLE_OK { return code }
        }
        var code = ccw_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        if code == CURLE_OK { code = ccw_setopt_write_callback(handle, writeCallback) }
        if code == CURLE_OK { code = ccw_setopt_pointer(handle, CURLOPT_WRITEDATA, context) }
        if code == CURLE_OK { code = ccw_setopt_header_callback(handle, headerCallback) }
        if code == CURLE_OK { code = ccw_setopt_pointer(handle, CURLOPT_HEADERDATA, context) }
        if code == CURLE_OK { code = ccw_setopt_xferinfo_callback(handle, progressCallback) }
        if code == CURLE_OK { code = ccw_setopt_pointer(handle, CURLOPT_XFERINFODATA, context) }
        if code != CURLE_OK { return code }
        return configureMethod(request, body: body)
    }

    private func configureMethod(_ request: HTTPRequest, body: UnsafeMutablePointer<UInt8>) -> CURLcode {
        let method = request.method.uppercased()
        switch method {
        case "GET":
            return ccw_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "HEAD":
            return ccw_setopt_long(handle, CURLOPT_NOBODY, 1)
        default:
            // POST, and PUT/PATCH/DELETE/... sent like a POST with a custom method name.
            var code = ccw_setopt_long(handle, CURLOPT_POST, 1)
            if code == CURLE_OK {
                code = ccw_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            }
            if code == CURLE_OK { code = ccw_setopt_pointer(handle, CURLOPT_POSTFIELDS, body) }
            if code == CURLE_OK && method != "POST" {
                code = ccw_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
            }
            return code
        }
    }

    private func makeError(_ code: CURLcode, redaction: URLRedaction) -> HTTPTransportError {
        let fromBuffer = String(cString: errorBuffer)
        let raw: String
        if fromBuffer.isEmpty {
            raw = curl_easy_strerror(code).map { String(cString: $0) } ?? "unknown error"
        } else {
            raw = fromBuffer
        }
        let numeric = Int(code.rawValue)
        return HTTPTransportError(
            code: numeric,
            message: "\(redaction.scrub(raw)) [\(redaction.origin)]",
            isTimeout: numeric == HTTPTransportError.timeoutCode
        )
    }

    /// curl treats 0 as "no timeout"; round up so that tiny durations still time out.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 { return 1 }
        let millis = seconds.multipliedReportingOverflow(by: 1000)
        if millis.overflow { return Int.max / 2 }
        let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return max(1, Int(clamping: millis.partialValue + fraction))
    }
}
