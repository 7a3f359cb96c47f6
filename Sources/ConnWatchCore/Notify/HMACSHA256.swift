import Crypto

/// SHA-256 and HMAC-SHA256 for signing webhooks, from swift-crypto (BoringSSL on Linux,
/// CryptoKit on Apple platforms).
public enum HMACSHA256 {
    /// HMAC-SHA256 of `message` under `key`: 32 bytes.
    public static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// SHA-256 digest of `data`: 32 bytes.
    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: data))
    }
}
