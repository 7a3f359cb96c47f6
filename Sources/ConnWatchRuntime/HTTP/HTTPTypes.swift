/// One HTTP header field as sent or received; names compare case-sensitively here, use
/// ``HTTPResponse/header(_:)`` for case-insensitive look-ups.
public struct HTTPHeader: Sendable, Equatable {
    /// The field name, e.g. `Content-Type`.
    public var name: String
    /// The field value without surrounding whitespace.
    public var value: String

    /// Creates a header field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A request for ``CurlHTTPClient/send(_:)``.
public struct HTTPRequest: Sendable {
    /// The absolute `http` or `https` URL. It may carry secrets, so it never appears in errors or logs
    /// beyond its scheme and host.
    public var url: String
    /// The request method; `POST` by default.
    public var method: String
    /// Header fields to send, in order. Names and values must not contain CR or LF.
    public var headers: [HTTPHeader]
    /// The request body (sent for every method except `GET` and `HEAD` when non-empty, and always for `POST`).
    public var body: [UInt8]
    /// Limit for the whole transfer, including connecting.
    public var timeout: Duration
    /// Limit for the TCP and TLS handshakes.
    public var connectTimeout: Duration

    /// Creates a request; by default a `POST` with a 10 s overall and 5 s connect timeout.
    public init(
        url: String,
        method: String = "POST",
        headers: [HTTPHeader] = [],
        body: [UInt8] = [],
        timeout: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(5)
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

/// A response received from the server; any status code (including 4xx and 5xx) is a response, not an error.
public struct HTTPResponse: Sendable {
    /// The largest body kept; the rest of a longer body is discarded.
    public static let maximumBodySize = 64 * 1024

    /// The HTTP status code of the final response.
    public var status: Int
    /// The header fields of the final response, in the order received.
    public var headers: [HTTPHeader]
    /// The response body, at most ``maximumBodySize`` bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name`, compared case-insensitively, or `nil`.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// A request that produced no HTTP response: it could not be sent, timed out, was cancelled, or the
/// client was shut down.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// The libcurl `CURLcode` (e.g. 7 connection refused, 28 timeout, 42 aborted/cancelled).
    public var code: Int
    /// A readable explanation naming at most the URL's scheme and host.
    public var message: String
    /// Whether the transfer or the connection attempt ran into its timeout.
    public var isTimeout: Bool

    /// Creates an error.
    public init(code: Int, message: String, isTimeout: Bool = false) {
        self.code = code
        self.message = message
        self.isTimeout = isTimeout
    }

    /// A one-line description: `HTTP transport error <code>: <message>`.
    public var description: String {
        "HTTP transport error \(code): \(message)"
    }

    /// `CURLE_OPERATION_TIMEDOUT`.
    static let timeoutCode = 28
    /// `CURLE_ABORTED_BY_CALLBACK`, used for cancellation and shutdown.
    static let abortedCode = 42
    /// `CURLE_BAD_FUNCTION_ARGUMENT`, used for requests rejected before sending.
    static let badArgumentCode = 43

    static func cancelled(origin: String) -> HTTPTransportError {
        HTTPTransportError(code: abortedCode, message: "request cancelled [\(origin)]")
    }

    static func shutDown(origin: String) -> HTTPTransportError {
        HTTPTransportError(code: abortedCode, message: "HTTP client is shut down [\(origin)]")
    }
}
