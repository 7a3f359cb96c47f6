import ConnWatchCore
import Foundation

/// A receiver with its secrets (URL, routing key, signing secret) resolved from files, systemd
/// credentials or the configuration.
public struct DeliveryTarget: Sendable {
    public var receiver: ReceiverConfig
    /// The configured URL (a secret).
    public var url: String
    public var routingKey: String
    public var signer: WebhookSigner?
    /// ntfy: the access token sent as `Authorization: Bearer <token>` (a secret); empty for none.
    public var token: String = ""
    /// For one peer of an `alertmanager` receiver's `urls`: its position (0 for the first); `nil`
    /// for a receiver with one URL.
    public var peer: Int?

    /// The outbox queue this target delivers: the receiver's name, or for a peer of a cluster the
    /// name with the peer's position (`am[2]`), so each peer is delivered and retried on its own.
    public var name: String { Self.queueName(receiver.name, peer: peer) }

    /// The outbox queues of `receiver`: its name, or one per peer of its `urls` (`am[1]`, `am[2]`).
    public static func queueNames(of receiver: ReceiverConfig) -> [String] {
        guard !receiver.peerURLs.isEmpty else { return [receiver.name] }
        return receiver.peerURLs.indices.map { queueName(receiver.name, peer: $0) }
    }

    private static func queueName(_ receiver: String, peer: Int?) -> String {
        peer.map { "\(receiver)[\($0 + 1)]" } ?? receiver
    }

    /// This target once for each peer of its receiver's `urls`, or itself for a receiver with one URL.
    public var perPeer: [DeliveryTarget] {
        guard !receiver.peerURLs.isEmpty else { return [self] }
        return receiver.peerURLs.enumerated().map { position, peerURL in
            var target = self
            target.url = peerURL
            target.peer = position
            return target
        }
    }

    /// The outbox id of a request for this target: a peer's copy of a notification has its own.
    public func entryID(_ requestID: String) -> String {
        peer.map { "\(requestID)@\($0 + 1)" } ?? requestID
    }
    /// Where requests go (with the platform's query or path additions).
    public var endpoint: String { MessageRenderer.endpointURL(receiver.type, url) }
    /// Scheme and host only: webhook URLs carry secrets in their path.
    public var redactedURL: String { RedactedURL.describe(endpoint) }
    var policy: RetryPolicy { RetryPolicy(maxRetryDuration: receiver.effectiveMaxRetryDuration) }

    public init(receiver: ReceiverConfig, url: String, routingKey: String = "", signer: WebhookSigner? = nil) {
        self.receiver = receiver
        self.url = url
        self.routingKey = routingKey
        self.signer = signer
    }

    /// A secret that could not be read.
    public struct ResolveError: Error, Sendable, CustomStringConvertible {
        public var receiver: String
        public var what: String
        public var reason: String
        public var description: String { "receiver '\(receiver)': cannot read \(what): \(reason)" }
    }

    /// Resolves every receiver of `config`; relative paths are relative to `configPath`'s folder.
    public static func resolve(
        _ config: ConnWatchConfig,
        configPath: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ResolveError) -> [DeliveryTarget] {
        let base = (configPath as NSString).deletingLastPathComponent
        var targets: [DeliveryTarget] = []
        for receiver in config.receivers {
            func read(_ path: String, _ what: String) throws(ResolveError) -> String {
                do {
                    return try ConfigFile.readSecret(ConfigFile.resolve(path, relativeTo: base))
                } catch {
                    throw ResolveError(receiver: receiver.name, what: what, reason: ConfigFile.reason(error))
                }
            }
            func credential(_ name: String, _ what: String) throws(ResolveError) -> String {
                guard let directory = environment["CREDENTIALS_DIRECTORY"] else {
                    throw ResolveError(
                        receiver: receiver.name,
                        what: "\(what) '\(name)'",
                        reason: "$CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit)"
                    )
                }
                return try read("\(directory)/\(name)", what)
            }
            var url = receiver.url ?? receiver.peerURLs.first ?? ""
            if let file = receiver.urlFile { url = try read(file, "url_file") }
            if let name = receiver.urlCredential { url = try credential(name, "url_credential") }
            var target = DeliveryTarget(receiver: receiver, url: url)
            if let file = receiver.routingKeyFile { target.routingKey = try read(file, "routing_key_file") }
            if let name = receiver.routingKeyCredential {
                target.routingKey = try credential(name, "routing_key_credential")
            }
            if let file = receiver.tokenFile { target.token = try read(file, "token_file") }
            if let name = receiver.tokenCredential { target.token = try credential(name, "token_credential") }
            if target.token.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw ResolveError(
                    receiver: receiver.name,
                    what: "the ntfy token",
                    reason: "it has a control character"
                )
            }
            if receiver.signing != .none {
                var secret: String?
                if let file = receiver.signingSecretFile { secret = try read(file, "signing_secret_file") }
                if let name = receiver.signingSecretCredential {
                    secret = try credential(name, "signing_secret_credential")
                }
                if let secret { target.signer = WebhookSigner(scheme: receiver.signing, secret: secret) }
            }
            targets += target.perPeer
        }
        return targets
    }
}

extension DeliveryTarget {
    /// The payload for `notification`.
    public func render(_ notification: ConnWatchCore.Notification, externalURL: String) -> RenderedMessage {
        MessageRenderer.render(
            notification,
            receiver: receiver,
            context: RenderContext(url: url, externalURL: externalURL, routingKey: routingKey)
        )
    }

    /// Every request for `notification` (PagerDuty: one per alert).
    public func requests(_ notification: ConnWatchCore.Notification, externalURL: String) -> [NotificationRequest] {
        MessageRenderer.requests(
            notification,
            receiver: receiver,
            context: RenderContext(url: url, externalURL: externalURL, routingKey: routingKey)
        )
    }

    /// The HTTP request for one notification: `Content-Type`, `webhook-id`, signature headers
    /// (signed at `now`), ntfy's `Authorization: Bearer` token, then the receiver's own headers.
    public func request(id: String, contentType: String, body: [UInt8], now: Int64) -> HTTPRequest {
        var headers = [
            HTTPHeader(name: "Content-Type", value: contentType),
            HTTPHeader(name: "webhook-id", value: id),
        ]
        if let signer {
            for header in signer.headers(id: id, timestamp: now / 1000, body: body) {
                headers.append(HTTPHeader(name: header.name, value: header.value))
            }
        }
        if !token.isEmpty { headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)")) }
        headers.append(contentsOf: receiver.headers.map { HTTPHeader(name: $0.name, value: $0.value) })
        return HTTPRequest(url: endpoint, headers: headers, body: body, timeout: .milliseconds(receiver.timeout))
    }
}
