/// What one connection attempt of a ``MosquittoClient`` saw, from the TCP connect to the end of its
/// network loop: the raw material ``ConnectFailureClassifier`` turns into one ``BrokerFailure``.
struct ConnectAttempt: Sendable, Equatable {
    /// What `mosquitto_connect` returned (`MOSQ_ERR_*`), and `errno` right after it.
    var connectCode: Int32 = 0
    var connectErrno: Int32 = 0
    /// The broker's CONNACK code (MQTT 3.1.1) or reason code (MQTT 5) when it refused.
    var refusal: Int32?
    /// `true` once the broker accepted the connection.
    var connected = false
    /// The code libmosquitto's disconnect callback reported (a `MOSQ_ERR_*`, or an MQTT 5 DISCONNECT
    /// reason code ≥ 128 sent by the broker).
    var disconnectCode: Int32?
    /// What the network loop returned when it stopped, and `errno` right after it.
    var loopCode: Int32 = 0
    var loopErrno: Int32 = 0
    /// libmosquitto's error log lines of this attempt: OpenSSL's error queue and the TLS set-up errors.
    var errorLines: [String] = []
    /// OpenSSL's verify result of the server certificate (`X509_V_ERR_*`) when verification failed,
    /// and its text.
    var verifyResult: Int?
    var verifyText: String?
    /// The server certificate's subject (`/CN=…`), when the handshake got that far.
    var peerSubject: String?

    /// Keeps a bounded number of error lines (an attempt logs a handful at most).
    mutating func recordError(_ line: String) {
        guard errorLines.count < 16 else { return }
        errorLines.append(line)
    }
}
