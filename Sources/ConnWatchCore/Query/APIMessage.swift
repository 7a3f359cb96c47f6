import Foundation

/// One request to the query API, independent of the HTTP server that received it.
public struct APIRequest: Sendable, Equatable {
    /// `GET`, `POST`, `DELETE`, …
    public var method: String
    /// The path as sent, still percent-encoded, without the query.
    public var path: String
    /// The query string after `?`, still encoded (empty when there is none).
    public var query: String
    /// The request body (JSON for `POST /api/v1/silences`).
    public var body: [UInt8]
    /// The headers ``APIRequestGuard`` checks.
    public var headers: APIRequestHeaders

    public init(
        method: String,
        path: String,
        query: String = "",
        body: [UInt8] = [],
        headers: APIRequestHeaders = APIRequestHeaders()
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.headers = headers
    }

    /// A request from a target like `/api/v0002/clientconnectionstates?_limit=5`.
    public init(method: String, target: String, body: [UInt8] = [], headers: APIRequestHeaders = APIRequestHeaders()) {
        if let mark = target.firstIndex(of: "?") {
            self.init(
                method: method,
                path: String(target[..<mark]),
                query: String(target[target.index(after: mark)...]),
                body: body,
                headers: headers
            )
        } else {
            self.init(method: method, path: target, body: body, headers: headers)
        }
    }
}

/// What the query API answers: a status, a content type, a body and any further headers.
public struct APIResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    /// Headers besides `Content-Type` (`Allow` on a 405, `WWW-Authenticate` on a 401), by name.
    public var headers: [String: String]

    public init(status: Int, contentType: String, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// A JSON answer written by `writer`.
    public static func json(_ writer: JSONWriter, status: Int = 200) -> APIResponse {
        APIResponse(status: status, contentType: "application/json", body: writer.bytes)
    }

    /// A plain-text answer.
    public static func text(
        _ text: String,
        status: Int = 200,
        contentType: String = "text/plain; charset=utf-8"
    )
        -> APIResponse
    {
        APIResponse(status: status, contentType: contentType, body: Array(text.utf8))
    }

    /// The body as text (for tests and the CLI).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A request the API refuses: `{"error": message, "parameter": name}` with an HTTP status.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    /// The query parameter (or body field) at fault, if one is.
    public var parameter: String?
    /// Headers the answer carries (`Allow` on a 405).
    public var headers: [String: String]

    public init(status: Int, message: String, parameter: String? = nil, headers: [String: String] = [:]) {
        self.status = status
        self.message = message
        self.parameter = parameter
        self.headers = headers
    }

    /// 400 for a bad parameter.
    public static func badParameter(_ name: String, _ message: String) -> APIError {
        APIError(status: 400, message: message, parameter: name)
    }

    /// 404 with a message.
    public static func notFound(_ message: String) -> APIError {
        APIError(status: 404, message: message)
    }

    public var description: String {
        parameter.map { "\(message) (parameter \($0))" } ?? message
    }

    /// The JSON answer.
    public var response: APIResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("error", message)
        if let parameter { writer.field("parameter", parameter) }
        writer.endObject()
        var response = APIResponse.json(writer, status: status)
        response.headers = headers
        return response
    }
}

/// The decoded parameters of a query string, in order.
public struct QueryParameters: Sendable, Equatable {
    /// Name and value pairs, percent-decoded (`+` is a space).
    public private(set) var pairs: [QueryPair]

    /// One `name=value`.
    public struct QueryPair: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// Parses `a=1&b=x%20y`; a pair that is not valid percent-encoding is a 400.
    public init(parsing query: String) throws(APIError) {
        pairs = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let rawName: Substring
            let rawValue: Substring
            if let equals = part.firstIndex(of: "=") {
                rawName = part[..<equals]
                rawValue = part[part.index(after: equals)...]
            } else {
                rawName = part
                rawValue = ""
            }
            guard let name = Self.decode(rawName) else {
                throw .badParameter(String(rawName), "the parameter name is not valid percent-encoding")
            }
            guard let value = Self.decode(rawValue) else {
                throw .badParameter(name, "the value is not valid percent-encoding")
            }
            pairs.append(QueryPair(name: name, value: value))
        }
    }

    /// Percent-decodes `text`, `+` as a space; `nil` if it is not valid percent-encoding of UTF-8.
    /// Every byte is kept: Foundation's `removingPercentEncoding` drops a leading byte order mark,
    /// so `broker=%EF%BB%BFmain` would have named the broker `main`.
    public static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The value of `name`; a parameter given twice is a 400.
    public func value(_ name: String) throws(APIError) -> String? {
        let values = pairs.filter { $0.name == name }
        if values.count > 1 { throw .badParameter(name, "the parameter is given more than once") }
        return values.first?.value
    }

    /// Throws a 400 naming the first parameter not in `allowed` (with a suggestion when one is close).
    public func requireKnown(_ allowed: [String]) throws(APIError) {
        for pair in pairs where !allowed.contains(pair.name) {
            var message = "unknown parameter"
            if let close = Suggestion.nearest(to: pair.name, among: allowed, within: 3) {
                message += "; did you mean '\(close)'?"
            }
            throw .badParameter(pair.name, message)
        }
    }

    /// An integer in `range`, or `fallback` when absent.
    public func int(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws(APIError) -> Int {
        guard let text = try value(name) else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw .badParameter(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// An ISO-8601 time (with zone) as milliseconds since the epoch, or `nil` when absent.
    public func time(_ name: String) throws(APIError) -> Int64? {
        guard let text = try value(name) else { return nil }
        guard let time = Timestamp.parseISO8601(text) else {
            throw .badParameter(name, "'\(text)' is not an ISO 8601 time with a zone, e.g. 2026-11-28T06:00:00Z")
        }
        return time
    }
}
