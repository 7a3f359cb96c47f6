/// The request headers the query API's checks read (``APIRequestGuard``); the server copies them
/// from the HTTP request.
public struct APIRequestHeaders: Sendable, Equatable {
    /// `Host` as sent (`127.0.0.1:9467`, `[::1]:9467`, `localhost`); `nil` when the request has none.
    public var host: String?
    /// `Origin` (`http://localhost:9467`, `null`); browsers send it on every POST and cross-site request.
    public var origin: String?
    /// `Content-Type` as sent (`application/json; charset=utf-8`).
    public var contentType: String?

    public init(host: String? = nil, origin: String? = nil, contentType: String? = nil) {
        self.host = host
        self.origin = origin
        self.contentType = contentType
    }
}
