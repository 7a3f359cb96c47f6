import CMosquitto
import ConnWatchCore

#if canImport(Glibc)
    import Glibc
#endif

/// Turns what one attempt saw (``ConnectAttempt``) into one ``BrokerFailure``: the broker's refusal
/// first, then the local TLS files, the server certificate's verify result, the TLS alerts the
/// broker sent, the TCP/DNS step, and last how the connection ended.
struct ConnectFailureClassifier: Sendable {
    var host: String
    var protocolVersion: MQTTProtocolVersion
    /// `true` when the connection uses TLS, and whether a client certificate is configured.
    var usesTLS: Bool
    var hasClientCertificate: Bool
    /// The TLS files, to say what is wrong with one libmosquitto cannot load.
    var files: MQTTTLSOptions?

    init(options: MQTTClientOptions) {
        host = options.host
        protocolVersion = options.protocolVersion
        usesTLS = options.tls != nil
        hasClientCertificate = options.tls?.certFile != nil
        files = options.tls
    }

    func classify(_ attempt: ConnectAttempt) -> BrokerFailure {
        if let refusal = attempt.refusal { return refused(refusal) }
        if let local = localFiles(attempt.errorLines) { return local }
        if let name = hostNameCheck(attempt.errorLines) { return name.adding(subject: attempt.peerSubject) }
        if let verify = attempt.verifyResult, verify != 0 {
            return serverCertificate(verify, attempt.verifyText).adding(subject: attempt.peerSubject)
        }
        if let alert = tlsAlert(attempt.errorLines) { return alert }
        if attempt.connectCode != MOSQ_ERR_SUCCESS.rawValue {
            return connectStep(code: attempt.connectCode, errno: attempt.connectErrno, lines: attempt.errorLines)
        }
        if attempt.connected { return lost(attempt) }
        return endedBeforeConnack(attempt)
    }

    // MARK: - MQTT refusals

    /// CONNACK codes of MQTT 3.1.1 (1–5) and reason codes of MQTT 5 (≥ 128).
    func refused(_ code: Int32) -> BrokerFailure {
        let kind: BrokerFailure.Kind
        switch (protocolVersion, code) {
        case (.v311, 2), (.v5, 133): kind = .clientIDRejected
        case (.v311, 3), (.v5, 136), (.v5, 137), (.v5, 156), (.v5, 157), (.v5, 159): kind = .serverUnavailable
        case (.v311, 4), (.v5, 134), (.v5, 140): kind = .badCredentials
        case (.v311, 5), (.v5, 135), (.v5, 138): kind = .notAuthorized
        default: kind = .refused
        }
        let text: UnsafePointer<CChar>? =
            protocolVersion == .v5 ? mosquitto_reason_string(code) : mosquitto_connack_string(code)
        let words = text.map { String(cString: $0) } ?? "code \(code)"
        return BrokerFailure(kind, "the broker answered CONNACK \(code) (\(Self.trimmed(words)))")
    }

    // MARK: - TLS

    /// libmosquitto's own messages when it cannot load `cert_file`, `key_file` or the CA files.
    func localFiles(_ lines: [String]) -> BrokerFailure? {
        let markers = ["Unable to load", "certificate/key are inconsistent", "Unable to create TLS context"]
        let local = lines.filter { line in markers.contains { line.contains($0) } }
        guard !local.isEmpty else { return nil }
        var parts = local.map { Self.trimmed($0.replacingOccurrences(of: "Error: ", with: "")) }
        if let inspected = inspectFiles(named: local) {
            parts.append(inspected)
        } else if let reason = lines.first(where: { $0.hasPrefix("OpenSSL Error") }).map(Self.openSSLReason) {
            parts.append("OpenSSL: \(reason)\(Self.localHint(reason))")
        }
        return BrokerFailure(.tlsLocalFiles, parts.joined(separator: "; "))
    }

    /// What ``TLSFileInspector`` finds wrong with the file libmosquitto could not load.
    func inspectFiles(named lines: [String]) -> String? {
        guard let files else { return nil }
        var checks: [(String, ConfiguredFile)] = []
        if let key = files.keyFile, let certificate = files.certFile {
            if lines.contains(where: { $0.contains("client key file") }) {
                checks += [("key_file", .privateKey(key)), ("key_file", .keyPair(certificate: certificate, key: key))]
            }
            if lines.contains(where: { $0.contains("client certificate") }) {
                checks.append(("cert_file", .certificate(certificate)))
            }
        }
        if let caFile = files.caFile, lines.contains(where: { $0.contains("CA certificates") }) {
            checks.append(("ca_file", .caFile(caFile)))
        }
        if let caPath = files.caPath, lines.contains(where: { $0.contains("CA certificates") }) {
            checks.append(("ca_path", .caDirectory(caPath)))
        }
        for (name, file) in checks {
            if let problem = TLSFileInspector.inspect(file) { return "\(name) \(problem)" }
        }
        return nil
    }

    /// What OpenSSL's words mean for the operator's files.
    static func localHint(_ reason: String) -> String {
        if reason.contains("key values mismatch") { return " (key_file does not belong to cert_file)" }
        if reason.contains("no start line") { return " (not a PEM file)" }
        if reason.contains("bad password read") || reason.contains("bad decrypt") {
            return " (the key is encrypted; connwatch needs an unencrypted key)"
        }
        if reason.contains("system lib") { return " (cannot be read; a directory or a missing file?)" }
        return ""
    }

    /// libmosquitto checks the host name itself and says so in its log (OpenSSL then reports
    /// only an unspecified verify error).
    func hostNameCheck(_ lines: [String]) -> BrokerFailure? {
        guard lines.contains(where: { $0.contains("host name verification failed") }) else { return nil }
        return BrokerFailure(
            .tlsNameMismatch,
            "host name verification failed: the server certificate does not name '\(host)', the host in the broker url"
        )
    }

    func serverCertificate(_ result: Int, _ text: String?) -> BrokerFailure {
        let words = "\(text ?? "verify error") (OpenSSL verify error \(result))"
        switch result {
        case 2, 18, 19, 20, 21:
            return BrokerFailure(.tlsUnknownCA, "\(words); the server certificate's CA is not in ca_file/ca_path")
        case 62, 64:
            return BrokerFailure(.tlsNameMismatch, "\(words); the certificate does not name '\(host)'")
        case 9, 10:
            return BrokerFailure(.tlsExpired, words)
        default:
            return BrokerFailure(.tlsServerCertificate, words)
        }
    }

    /// The TLS alert the broker sent about the client certificate, or another OpenSSL error.
    func tlsAlert(_ lines: [String]) -> BrokerFailure? {
        guard let first = lines.first(where: { $0.hasPrefix("OpenSSL Error") }) else { return nil }
        let reasons = lines.filter { $0.hasPrefix("OpenSSL Error") }.map(Self.openSSLReason)
        let detail = reasons.joined(separator: "; ")
        let clientCertificateAlerts = [
            "alert certificate required", "alert bad certificate", "alert unknown ca", "alert certificate unknown",
            "alert certificate revoked", "alert certificate expired", "alert unsupported certificate",
            "alert access denied", "alert decrypt error",
        ]
        if clientCertificateAlerts.contains(where: { first.contains($0) }) {
            if !hasClientCertificate {
                return BrokerFailure(.tlsClientCertificateMissing, "\(detail); no cert_file is configured")
            }
            return BrokerFailure(.tlsClientCertificateRejected, "\(detail); the broker does not accept cert_file")
        }
        if first.contains("alert handshake failure") && !hasClientCertificate {
            return BrokerFailure(
                .tlsClientCertificateMissing,
                "\(detail); no cert_file is configured (a broker that requires one answers so with TLS 1.2)"
            )
        }
        if first.contains("unexpected eof") || first.contains("wrong version number") {
            let hint = "the other end does not speak TLS on this port (mqtt:// port?)"
            return BrokerFailure(.tlsHandshake, "\(detail); \(hint)")
        }
        return BrokerFailure(.tlsHandshake, detail)
    }

    /// `OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed` → `certificate verify failed`.
    static func openSSLReason(_ line: String) -> String {
        guard let colon = line.range(of: "::", options: .backwards) else { return line }
        return String(line[colon.upperBound...])
    }

    // MARK: - TCP, DNS and the end of the loop

    func connectStep(code: Int32, errno number: Int32, lines: [String]) -> BrokerFailure {
        switch code {
        case MOSQ_ERR_EAI.rawValue:
            return BrokerFailure(.dns, "cannot resolve '\(host)': \(Self.resolverError(host))")
        case MOSQ_ERR_ERRNO.rawValue:
            let text = String(cString: strerror(number))
            switch number {
            case ECONNREFUSED: return BrokerFailure(.tcpRefused, "\(text); nothing listens on the port")
            case ETIMEDOUT: return BrokerFailure(.tcpTimeout, text)
            case EHOSTUNREACH, ENETUNREACH: return BrokerFailure(.tcpUnreachable, text)
            default: return BrokerFailure(.tcpError, "\(text) (errno \(number))")
            }
        case MOSQ_ERR_TLS.rawValue:
            return BrokerFailure(.tlsHandshake, lines.first.map(Self.openSSLReason) ?? Self.errorText(code))
        default:
            return BrokerFailure(.other, "\(Self.errorText(code)) (libmosquitto error \(code))")
        }
    }

    func lost(_ attempt: ConnectAttempt) -> BrokerFailure {
        if let code = attempt.disconnectCode, code >= 128 {
            return BrokerFailure(.lost, "the broker sent DISCONNECT \(code) (\(Self.errorText(code)))")
        }
        if attempt.loopCode == MOSQ_ERR_PROTOCOL.rawValue {
            return BrokerFailure(.protocolError, Self.errorText(attempt.loopCode))
        }
        let code = attempt.disconnectCode.flatMap { $0 == 0 ? nil : $0 } ?? attempt.loopCode
        if code == MOSQ_ERR_ERRNO.rawValue {
            return BrokerFailure(.lost, String(cString: strerror(attempt.loopErrno)))
        }
        return BrokerFailure(.lost, Self.errorText(code))
    }

    func endedBeforeConnack(_ attempt: ConnectAttempt) -> BrokerFailure {
        if attempt.loopCode == MOSQ_ERR_PROTOCOL.rawValue {
            return BrokerFailure(.protocolError, "\(Self.errorText(attempt.loopCode)) before CONNACK")
        }
        let code =
            attempt.loopCode == MOSQ_ERR_ERRNO.rawValue ? attempt.loopCode : attempt.disconnectCode ?? attempt.loopCode
        let text =
            code == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(attempt.loopErrno)) : Self.errorText(code)
        if usesTLS && !hasClientCertificate {
            return BrokerFailure(
                .tlsClientCertificateMissing,
                "the broker closed the TLS connection before answering CONNECT (\(Self.trimmed(text))) and no "
                    + "cert_file is configured: it most likely requires a client certificate"
            )
        }
        if usesTLS {
            return BrokerFailure(
                .closedBeforeConnack,
                "\(Self.trimmed(text)); if the broker requires client certificates, check that it trusts cert_file's CA"
            )
        }
        return BrokerFailure(.closedBeforeConnack, "\(Self.trimmed(text)); if the port expects TLS, use mqtts://")
    }

    // MARK: - Texts

    static func errorText(_ code: Int32) -> String {
        if code >= 128 {
            return mosquitto_reason_string(code).map { trimmed(String(cString: $0)) } ?? "reason code \(code)"
        }
        return mosquitto_strerror(code).map { trimmed(String(cString: $0)) } ?? "error \(code)"
    }

    /// libmosquitto's texts end with a full stop; the journal line goes on after them.
    static func trimmed(_ text: String) -> String {
        text.hasSuffix(".") ? String(text.dropLast()) : text
    }

    /// The resolver's own words for `host` (libmosquitto only says "Lookup error").
    static func resolverError(_ host: String) -> String {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        if let result { freeaddrinfo(result) }
        if status == 0 { return "lookup failed in libmosquitto, the name resolves now" }
        return String(cString: gai_strerror(status))
    }
}

extension BrokerFailure {
    /// The detail with the server certificate's subject, when it is known.
    fileprivate func adding(subject: String?) -> BrokerFailure {
        guard let subject else { return self }
        return BrokerFailure(kind, "\(detail) (server certificate subject \(subject))")
    }
}
