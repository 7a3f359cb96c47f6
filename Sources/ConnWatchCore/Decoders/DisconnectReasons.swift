// MQTT 5 reason codes, AWS IoT `disconnectReason` values and EMQX `reason` names mapped onto connwatch's
// vendor-neutral causes (reference/FORMATS.md §3.3, §4.3, §6.1 and the table in §7).

/// Classifies MQTT 5 DISCONNECT reason codes.
public enum MQTTReasonCode {
    /// One known reason code with its EMQX snake_case name and its classification.
    struct Entry {
        let code: Int
        let name: String
        let cause: DisconnectCause
        let initiator: DisconnectInitiator
    }

    /// MQTT 5 Table 3-10 (plus 0x8C, accepted for DISCONNECT as the spec's §2.4 lists it).
    static let entries: [Entry] = [
        Entry(code: 0x00, name: "normal", cause: .clean, initiator: .client),
        Entry(code: 0x04, name: "disconnect_with_will_message", cause: .clean, initiator: .client),
        Entry(code: 0x80, name: "unspecified_error", cause: .serverFault, initiator: .server),
        Entry(code: 0x81, name: "malformed_packet", cause: .protocolError, initiator: .server),
        Entry(code: 0x82, name: "protocol_error", cause: .protocolError, initiator: .server),
        Entry(code: 0x83, name: "implementation_specific_error", cause: .serverFault, initiator: .server),
        Entry(code: 0x87, name: "not_authorized", cause: .auth, initiator: .server),
        Entry(code: 0x89, name: "server_busy", cause: .limits, initiator: .server),
        Entry(code: 0x8B, name: "server_shutting_down", cause: .serverShutdown, initiator: .server),
        Entry(code: 0x8C, name: "bad_authentication_method", cause: .auth, initiator: .server),
        Entry(code: 0x8D, name: "keepalive_timeout", cause: .keepAliveTimeout, initiator: .network),
        Entry(code: 0x8E, name: "session_taken_over", cause: .sessionTakeover, initiator: .server),
        Entry(code: 0x8F, name: "topic_filter_invalid", cause: .protocolError, initiator: .server),
        Entry(code: 0x90, name: "topic_name_invalid", cause: .protocolError, initiator: .server),
        Entry(code: 0x93, name: "receive_maximum_exceeded", cause: .limits, initiator: .server),
        Entry(code: 0x94, name: "topic_alias_invalid", cause: .protocolError, initiator: .server),
        Entry(code: 0x95, name: "packet_too_large", cause: .limits, initiator: .server),
        Entry(code: 0x96, name: "message_rate_too_high", cause: .limits, initiator: .server),
        Entry(code: 0x97, name: "quota_exceeded", cause: .limits, initiator: .server),
        Entry(code: 0x98, name: "administrative_action", cause: .adminKick, initiator: .server),
        Entry(code: 0x99, name: "payload_format_invalid", cause: .protocolError, initiator: .server),
        Entry(code: 0x9A, name: "retain_not_supported", cause: .protocolError, initiator: .server),
        Entry(code: 0x9B, name: "qos_not_supported", cause: .protocolError, initiator: .server),
        Entry(code: 0x9C, name: "use_another_server", cause: .serverShutdown, initiator: .server),
        Entry(code: 0x9D, name: "server_moved", cause: .serverShutdown, initiator: .server),
        Entry(code: 0x9E, name: "shared_subscriptions_not_supported", cause: .protocolError, initiator: .server),
        Entry(code: 0x9F, name: "connection_rate_exceeded", cause: .limits, initiator: .server),
        Entry(code: 0xA0, name: "maximum_connect_time", cause: .ttlExpiry, initiator: .server),
        Entry(code: 0xA1, name: "subscription_identifiers_not_supported", cause: .protocolError, initiator: .server),
        Entry(code: 0xA2, name: "wildcard_subscriptions_not_supported", cause: .protocolError, initiator: .server),
    ]

    /// The normalised cause and initiator of an MQTT 5 DISCONNECT reason code; unknown codes give
    /// `(.unknown, .unknown)`.
    public static func classify(_ code: Int) -> (cause: DisconnectCause, initiator: DisconnectInitiator) {
        guard let entry = entries.first(where: { $0.code == code }) else { return (.unknown, .unknown) }
        return (entry.cause, entry.initiator)
    }

    /// The reason code EMQX names `name` (`keepalive_timeout` → 0x8D), or `nil` if the name is not one.
    public static func code(named name: String) -> Int? {
        entries.first { $0.name == name }?.code
    }
}

/// Classifies AWS IoT Core `disconnectReason` values (FORMATS.md §3.3).
public enum AWSDisconnectReason {
    /// The normalised cause and initiator of a `disconnectReason`. Unknown values fall back on
    /// `clientInitiatedDisconnect`: `true` → `(.unknown, .client)`, otherwise `(.unknown, .unknown)`.
    public static func classify(
        _ reason: String?,
        clientInitiated: Bool?
    ) -> (cause: DisconnectCause, initiator: DisconnectInitiator) {
        switch reason {
        case "CLIENT_INITIATED_DISCONNECT": return (.clean, .client)
        case "MQTT_KEEP_ALIVE_TIMEOUT": return (.keepAliveTimeout, .network)
        case "CONNECTION_LOST": return (.networkClosed, .network)
        case "DUPLICATE_CLIENTID": return (.sessionTakeover, .server)
        case "AUTH_ERROR", "FORBIDDEN_ACCESS": return (.auth, .server)
        case "API_INITIATED_DISCONNECT": return (.adminKick, .server)
        case "SERVER_INITIATED_DISCONNECT": return (.serverShutdown, .server)
        case "THROTTLED": return (.limits, .server)
        case "CLIENT_ERROR": return (.protocolError, .server)
        case "SERVER_ERROR": return (.serverFault, .server)
        case "WEBSOCKET_TTL_EXPIRATION", "CUSTOMAUTH_TTL_EXPIRATION": return (.ttlExpiry, .server)
        default:
            if reason == nil && clientInitiated == true { return (.clean, .client) }
            return (.unknown, clientInitiated == true ? .client : .unknown)
        }
    }
}

/// Classifies EMQX `reason` values of `…/disconnected` system messages (FORMATS.md §4.3, open-ended).
public enum EMQXDisconnectReason {
    /// The normalised cause and initiator of an EMQX `reason`; unknown names give `(.unknown, .unknown)`.
    public static func classify(_ reason: String) -> (cause: DisconnectCause, initiator: DisconnectInitiator) {
        switch reason {
        case "normal": return (.clean, .client)
        case "tcp_closed", "ssl_closed", "sock_closed", "closed", "sock_error", "etimedout", "econnreset", "epipe":
            return (.networkClosed, .network)
        case "kicked": return (.adminKick, .server)
        case "discarded", "takenover", "takeovered": return (.sessionTakeover, .server)
        case "not_authorized", "bad_username_or_password", "banned": return (.auth, .server)
        case "internal_error": return (.serverFault, .server)
        default:
            if let code = MQTTReasonCode.code(named: reason) { return MQTTReasonCode.classify(code) }
            return (.unknown, .unknown)
        }
    }
}
