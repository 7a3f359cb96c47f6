// Watson IoT `CloseCode` values mapped onto connwatch's vendor-neutral causes (reference/FORMATS.md §1.4, §7).
// The platform documents the common and less common codes; the full set is the return-code table of its
// messaging engine, IBM MessageSight, now Eclipse Amlen (`server_utils/include/ismrc.h`): every code there
// that can end or refuse a client connection is listed. IBM gives no initiator field: the initiator below
// is a reading of each code's description.

/// Classifies Watson IoT Platform connection closing codes.
public enum WatsonCloseCode {
    /// One documented closing code: its reason text and its classification.
    public struct Entry: Sendable, Equatable {
        public let code: Int
        /// The platform's reason string (the text in a monitor message may carry more after a colon).
        public let reason: String
        public let cause: DisconnectCause
        public let initiator: DisconnectInitiator
    }

    private static func entry(
        _ code: Int,
        _ reason: String,
        _ cause: DisconnectCause,
        _ initiator: DisconnectInitiator
    ) -> Entry {
        Entry(code: code, reason: reason, cause: cause, initiator: initiator)
    }

    /// Every closing code connwatch knows, by code.
    public static let entries: [Entry] = [
        // The client sent MQTT DISCONNECT: the only normal close (90 is the engine's text for code 0).
        entry(0, "The connection has completed normally", .clean, .client),
        entry(90, "The connection has completed normally", .clean, .client),
        // Closed by something other than the server (socket error or EOF, no DISCONNECT packet).
        entry(91, "The connection was closed by the client", .networkClosed, .network),
        entry(92, "The connection was closed by the server", .serverFault, .server),
        entry(93, "The connection was closed because the server was shutdown", .serverShutdown, .server),
        entry(94, "The connection was closed by an administrator", .adminKick, .server),
        entry(95, "The connection was closed during a send operation", .networkClosed, .network),
        entry(96, "The connection was closed because it has failed to acknowledge a message", .limits, .server),
        entry(100, "System error", .serverFault, .server),
        entry(101, "Failure", .serverFault, .server),
        entry(103, "Unable to allocate memory", .serverFault, .server),
        entry(104, "The server capacity is reached", .limits, .server),
        entry(105, "The data from the client is not valid", .protocolError, .server),
        // Network errors.
        entry(153, "There was a networking error when data was being sent or received", .networkClosed, .network),
        entry(154, "Too many producers or consumers in a single connection", .limits, .server),
        entry(159, "The connection is not authorized", .auth, .server),
        // Keep-alive: nothing arrived within the negotiated interval, or pings went unanswered.
        entry(160, "The connection timed out", .keepAliveTimeout, .network),
        entry(161, "Failed to ping client", .keepAliveTimeout, .network),
        entry(162, "The client did not respond to a ping", .keepAliveTimeout, .network),
        entry(163, "Closed during TLS handshake", .networkClosed, .network),
        entry(164, "No data was received on a connection", .keepAliveTimeout, .network),
        entry(165, "The initial packet is too large", .protocolError, .server),
        entry(166, "The ClientID is not valid", .auth, .server),
        entry(167, "Server not available", .serverShutdown, .server),
        entry(168, "Messaging is not available", .serverShutdown, .server),
        entry(169, "Certificate missing", .auth, .server),
        entry(170, "Certificate not valid", .auth, .server),
        entry(171, "HTTP handshake failed", .protocolError, .server),
        entry(173, "Too many connections for an organization", .limits, .server),
        entry(175, "The HTTP Authorization header cannot be changed in a connection", .protocolError, .server),
        entry(176, "Authorization request is in delay or too many authentication requests", .limits, .server),
        entry(177, "Failed to create device", .serverFault, .server),
        entry(178, "Exceeded quota for buffered data (slow consumer)", .limits, .server),
        // Authorization and authentication.
        entry(180, "The operation is not authorized", .auth, .server),
        entry(181, "User authentication failed", .auth, .server),
        entry(182, "LTPA token has expired", .auth, .server),
        entry(183, "OAuth token is not valid", .auth, .server),
        entry(184, "The server could not connect to the OAuth authorization server", .serverFault, .server),
        entry(188, "Authorization service unavailable", .serverFault, .server),
        entry(193, "The connection has expired", .ttlExpiry, .server),
        // MQTT protocol errors.
        entry(270, "A will message is not allowed", .protocolError, .server),
        entry(271, "The length of the message is not correct", .protocolError, .server),
        entry(272, "The MQTT message encoding is not valid", .protocolError, .server),
        entry(273, "A message payload is not valid", .protocolError, .server),
        entry(274, "The JSON encoding is not correct", .protocolError, .server),
        entry(275, "An unknown message command is specified", .protocolError, .server),
        entry(276, "The topic is not valid", .protocolError, .server),
        entry(
            277,
            "If the will flag is specified, the will message and will topic are required",
            .protocolError,
            .server
        ),
        entry(278, "An error occurred while creating an MQTT connection", .serverFault, .server),
        entry(279, "An error occurred while creating an MQTT session", .serverFault, .server),
        entry(280, "An error occurred while starting MQTT messages", .serverFault, .server),
        entry(281, "An error occurred while creating an MQTT consumer", .serverFault, .server),
        entry(282, "CONNECT must be the first message in a connection", .protocolError, .server),
        entry(284, "The quality of service is not valid", .protocolError, .server),
        entry(285, "The ID is not valid; it must be a number between 1 and 65535", .protocolError, .server),
        entry(286, "When the password is set, the username is required", .protocolError, .server),
        entry(287, "The message size is too large for this endpoint", .limits, .server),
        // Another connection with the same client id replaced this one: the client is still online.
        entry(288, "The clientID was reused", .sessionTakeover, .server),
        entry(289, "The topic cannot be used because it is a system topic", .protocolError, .server),
        entry(290, "The consumer must have a matching share with the existing subscription", .protocolError, .server),
        entry(291, "The requested quality of service is not allowed", .protocolError, .server),
        entry(292, "A cleansession=0 session is not allowed", .protocolError, .server),
        entry(293, "The version of the protocol is not supported", .protocolError, .server),
        entry(294, "Too much data was received before authentication was complete", .limits, .server),
        entry(295, "The packet type must be binary", .protocolError, .server),
        entry(296, "There are no subscriptions", .protocolError, .server),
        entry(297, "The protocol is not correct", .protocolError, .server),
        entry(298, "The topic alias is invalid", .protocolError, .server),
        entry(299, "Too many persistent messages are in process", .limits, .server),
        // Authorization of the client, its user, group, protocol, address or certificate.
        entry(341, "The user is not authorized", .auth, .server),
        entry(342, "The group is not authorized", .auth, .server),
        entry(343, "The client is not authorized", .auth, .server),
        entry(344, "The protocol is not authorized", .auth, .server),
        entry(345, "The client address is not authorized", .auth, .server),
        entry(346, "The certificate common name is not authorized", .auth, .server),
        entry(347, "Not authorized to publish or subscribe to the specified destination", .auth, .server),
        entry(348, "Not authorized to publish or subscribe to \"UserID\" substituted destination", .auth, .server),
        entry(349, "Not authorized to publish or subscribe to \"ClientID\" substituted destination", .auth, .server),
    ]

    private static let byCode: [Int: Entry] = Dictionary(entries.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })

    /// The entry of `code`, or `nil` for a code connwatch does not know.
    public static func entry(_ code: Int) -> Entry? { byCode[code] }

    /// The normalised cause and initiator of a Watson IoT `CloseCode`; unknown codes give `(.unknown, .unknown)`
    /// (the platform says "others are possible").
    public static func classify(_ code: Int) -> (cause: DisconnectCause, initiator: DisconnectInitiator) {
        guard let entry = byCode[code] else { return (.unknown, .unknown) }
        return (entry.cause, entry.initiator)
    }
}
