/// The `api:` section: the local HTTP query API (`/api/v0002/…`, `/api/v1/…`, `/metrics`, `/-/…`)
/// that `connwatch status`, `logs`, `alerts` and `silence` talk to.
public struct APIConfig: Sendable, Equatable {
    /// connwatch's default port. 9464 is the OpenTelemetry Prometheus exporter's default, so
    /// connwatch takes 9467 to run beside it.
    public static let defaultPort = 9467

    /// Whether the daemon serves the API.
    public var enabled: Bool
    /// The address to listen on (default loopback only).
    public var listen: String
    public var port: Int
    /// A file holding the bearer token every request except `/-/healthy` must carry (relative to
    /// the configuration file's folder); `nil`: no token.
    public var bearerTokenFile: String?
    /// Further names the API answers to in `Host` and `Origin` (`connwatch.example`, or
    /// `connwatch.example:443` behind a proxy), besides the listen address and `localhost`; anything
    /// else is refused so a DNS-rebinding page cannot read the API (see ``APIRequestGuard``).
    public var allowedHosts: [String]

    public init(
        enabled: Bool = true,
        listen: String = "127.0.0.1",
        port: Int = APIConfig.defaultPort,
        bearerTokenFile: String? = nil,
        allowedHosts: [String] = []
    ) {
        self.enabled = enabled
        self.listen = listen
        self.port = port
        self.bearerTokenFile = bearerTokenFile
        self.allowedHosts = allowedHosts
    }

    /// The base URL a client on this machine uses (`http://127.0.0.1:9467`); a wildcard listen
    /// address is reached through loopback.
    public var localURL: String {
        let host: String
        switch listen {
        case "0.0.0.0", "": host = "127.0.0.1"
        case "::", "[::]": host = "[::1]"
        default: host = listen.contains(":") && !listen.hasPrefix("[") ? "[\(listen)]" : listen
        }
        return "http://\(host):\(port)"
    }
}
