/// Kinds of receiver.
public enum ReceiverType: String, Sendable, CaseIterable {
    /// Alertmanager-compatible webhook JSON (payload version 4).
    case webhook
}

/// Where notifications go.
public struct ReceiverConfig: Sendable, Equatable {
    public var name: String
    public var type: ReceiverType
    /// The endpoint URL; exactly one of `url` and `urlFile` is set.
    public var url: String?
    /// A file holding the URL (a secret), read at start and on reload.
    public var urlFile: String?
    public var timeout: Int64
    public var sendResolved: Bool
    public var headers: [HTTPHeaderConfig]
    /// Give up retrying a notification after this long.
    public var maxRetryDuration: Int64

    public init(
        name: String,
        type: ReceiverType = .webhook,
        url: String? = nil,
        urlFile: String? = nil,
        timeout: Int64 = 10_000,
        sendResolved: Bool = true,
        headers: [HTTPHeaderConfig] = [],
        maxRetryDuration: Int64 = 3_600_000
    ) {
        self.name = name
        self.type = type
        self.url = url
        self.urlFile = urlFile
        self.timeout = timeout
        self.sendResolved = sendResolved
        self.headers = headers
        self.maxRetryDuration = maxRetryDuration
    }
}

/// One extra HTTP header a receiver sends.
public struct HTTPHeaderConfig: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
