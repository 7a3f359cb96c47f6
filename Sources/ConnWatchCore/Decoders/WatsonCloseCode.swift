// Watson IoT `CloseCode` values (reference/FORMATS.md §1.4) mapped onto connwatch's vendor-neutral causes
// (§7). IBM gives no initiator field: the initiator below is a reading of each code's description.

/// Classifies Watson IoT Platform connection closing codes.
public enum WatsonCloseCode {
    /// The normalised cause and initiator of a Watson IoT `CloseCode`; unknown codes give `(.unknown, .unknown)`.
    public static func classify(_ code: Int) -> (cause: DisconnectCause, initiator: DisconnectInitiator) {
        switch code {
        // 0 "The connection has completed normally": the client sent MQTT DISCONNECT.
        case 0: return (.clean, .client)
        // 91 "The connection was closed by the client": closed by something other than the server
        // (socket error / EOF, no DISCONNECT packet), so the network, not the client, is taken to be the cause.
        case 91: return (.networkClosed, .network)
        // 92 "The connection was closed by the server": the server found a problem.
        case 92: return (.serverFault, .server)
        // 93 "…because the server was shutdown" and 167 "Server not available": retry later.
        case 93, 167: return (.serverShutdown, .server)
        // 94 "The connection was closed by an administrator" (e.g. the organisation was disabled).
        case 94: return (.adminKick, .server)
        // 160 "The connection timed out" (keep-alive expired) and 164 "No data was received on a connection":
        // the client went silent.
        case 160, 164: return (.keepAliveTimeout, .network)
        // 180 "The operation is not authorized", 169 "Certificate missing", 170 "Certificate not valid",
        // 166 "The ClientID is not valid".
        case 180, 169, 170, 166: return (.auth, .server)
        // 288 "The clientID was reused": a newer connection with the same id replaced this one.
        case 288: return (.sessionTakeover, .server)
        // 104 server capacity reached, 154 too many producers/consumers in a connection, 173 too many
        // connections for the organisation, 176 too many authentication requests, 287 message too large.
        case 104, 154, 173, 176, 287: return (.limits, .server)
        // 105 "The data from the client is not valid", 165 "The initial packet is too large",
        // 271 "The length of the message is not correct", 276 "The topic is not valid".
        case 105, 165, 271, 276: return (.protocolError, .server)
        // 163 "Closed during TLS handshake": the socket went away before TLS completed.
        case 163: return (.networkClosed, .network)
        // 175 "The HTTP Authorization header cannot be changed in a connection": a client protocol violation.
        case 175: return (.protocolError, .server)
        // "Others are possible": anything else is not interpreted.
        default: return (.unknown, .unknown)
        }
    }
}
