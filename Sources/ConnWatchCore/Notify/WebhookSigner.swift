/// How requests to a receiver are signed.
public enum SigningScheme: String, Sendable, CaseIterable {
    /// No signature.
    case none
    /// Standard Webhooks v1: `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>` over
    /// `{id}.{timestamp}.{body}`.
    case standard
    /// GitHub style: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.
    case github
}

/// Computes signature headers for a request body.
public struct WebhookSigner: Sendable, Equatable {
    public var scheme: SigningScheme
    /// The HMAC key bytes (for Standard Webhooks the base64 part of a `whsec_` secret, decoded).
    public var key: [UInt8]

    /// A signer from the configured secret text. Standard Webhooks decodes a `whsec_<base64>` secret
    /// (its spec's format); GitHub style uses the secret exactly as written, as GitHub and its
    /// verifiers do, whatever it starts with. Other secrets are used as their UTF-8 bytes.
    public init(scheme: SigningScheme, secret: String) {
        self.scheme = scheme
        if scheme == .standard, secret.hasPrefix("whsec_"),
            let decoded = ByteText.decodeBase64(String(secret.dropFirst(6)))
        {
            key = decoded
        } else {
            key = Array(secret.utf8)
        }
    }

    /// The headers that sign `body` sent as notification `id` at unix time `timestamp` (seconds).
    public func headers(id: String, timestamp: Int64, body: [UInt8]) -> [(name: String, value: String)] {
        switch scheme {
        case .none:
            return []
        case .standard:
            let signed = Array("\(id).\(timestamp).".utf8) + body
            let signature = ByteText.base64(HMACSHA256.mac(key: key, message: signed))
            return [("webhook-timestamp", "\(timestamp)"), ("webhook-signature", "v1,\(signature)")]
        case .github:
            return [("X-Hub-Signature-256", "sha256=\(ByteText.hex(HMACSHA256.mac(key: key, message: body)))")]
        }
    }
}
