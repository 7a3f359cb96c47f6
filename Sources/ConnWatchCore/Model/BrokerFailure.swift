/// Why a connection to a broker failed or ended: a class an operator can act on, and the detail
/// (the library's or the broker's own words) that says what exactly happened.
public struct BrokerFailure: Sendable, Hashable, CustomStringConvertible {
    /// The class of a failure. The raw value is the `reason` label of
    /// `connwatch_mqtt_connect_failures_total` and the `reason` field of the journal line.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The broker's host name does not resolve.
        case dns
        /// Nothing listens on the port (TCP RST).
        case tcpRefused = "tcp_refused"
        /// No answer to the TCP connect (firewall dropping packets, host down).
        case tcpTimeout = "tcp_timeout"
        /// No route to the host or network.
        case tcpUnreachable = "tcp_unreachable"
        /// Another socket error during the TCP connect.
        case tcpError = "tcp_error"
        /// The server certificate is not signed by a CA in `ca_file`/`ca_path`.
        case tlsUnknownCA = "tls_server_unknown_ca"
        /// The server certificate is not for the host name in the URL.
        case tlsNameMismatch = "tls_server_name_mismatch"
        /// The server certificate has expired (or is not valid yet).
        case tlsExpired = "tls_server_expired"
        /// The server certificate failed verification for another reason.
        case tlsServerCertificate = "tls_server_certificate"
        /// The broker requires a client certificate and none is configured.
        case tlsClientCertificateMissing = "tls_client_certificate_missing"
        /// The broker refused the client certificate (unknown CA, revoked, expired, ...).
        case tlsClientCertificateRejected = "tls_client_certificate_rejected"
        /// The local `cert_file`/`key_file`/`ca_file` cannot be read or do not belong together.
        case tlsLocalFiles = "tls_local_files"
        /// Another TLS handshake failure (protocol version, ciphers, not TLS at all).
        case tlsHandshake = "tls_handshake"
        /// The broker rejects the user name or password.
        case badCredentials = "mqtt_bad_credentials"
        /// The broker does not authorise this client (credentials missing, ACL, policy).
        case notAuthorized = "mqtt_not_authorized"
        /// The broker rejects the client id.
        case clientIDRejected = "mqtt_client_id_rejected"
        /// The broker is up but does not accept connections now (unavailable, busy, shutting down).
        case serverUnavailable = "mqtt_server_unavailable"
        /// Another CONNACK refusal (protocol version, banned, quota, ...).
        case refused = "mqtt_refused"
        /// The broker closed the connection before it answered the CONNECT.
        case closedBeforeConnack = "closed_before_connack"
        /// An established connection was lost.
        case lost
        /// The broker sent something that is not valid MQTT.
        case protocolError = "protocol_error"
        /// Anything else.
        case other

        /// A short, colon-free title for the journal and the `feed_down` alert.
        public var title: String {
            switch self {
            case .dns: "DNS lookup failed"
            case .tcpRefused: "TCP connection refused"
            case .tcpTimeout: "TCP connect timed out"
            case .tcpUnreachable: "broker network unreachable"
            case .tcpError: "TCP connect failed"
            case .tlsUnknownCA: "TLS server certificate not trusted (unknown CA)"
            case .tlsNameMismatch: "TLS server certificate is for another host name"
            case .tlsExpired: "TLS server certificate expired or not yet valid"
            case .tlsServerCertificate: "TLS server certificate rejected"
            case .tlsClientCertificateMissing: "TLS client certificate required by the broker"
            case .tlsClientCertificateRejected: "TLS client certificate rejected by the broker"
            case .tlsLocalFiles: "local TLS files unusable"
            case .tlsHandshake: "TLS handshake failed"
            case .badCredentials: "MQTT bad user name or password"
            case .notAuthorized: "MQTT not authorized"
            case .clientIDRejected: "MQTT client id rejected"
            case .serverUnavailable: "MQTT server unavailable"
            case .refused: "MQTT connection refused"
            case .closedBeforeConnack: "connection closed before CONNACK"
            case .lost: "connection lost"
            case .protocolError: "MQTT protocol error"
            case .other: "connect failed"
            }
        }

        /// `true` when the broker could not be reached at all (as opposed to reached and refusing).
        public var isReachability: Bool {
            switch self {
            case .dns, .tcpRefused, .tcpTimeout, .tcpUnreachable, .tcpError, .lost, .closedBeforeConnack: true
            default: false
            }
        }

        /// The kind whose ``title`` starts `text` followed by `": "` (the form of ``BrokerFailure/description``).
        public init?(describing text: String) {
            guard let kind = Self.allCases.first(where: { text.hasPrefix($0.title + ": ") }) else { return nil }
            self = kind
        }
    }

    /// The class.
    public var kind: Kind
    /// What exactly happened, in the words of OpenSSL, libmosquitto, the resolver or the broker.
    public var detail: String

    /// Creates a failure.
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// `title: detail`.
    public var description: String { "\(kind.title): \(detail)" }
}
