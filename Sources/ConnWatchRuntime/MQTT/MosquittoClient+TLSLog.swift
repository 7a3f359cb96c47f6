import CMosquitto
import COpenSSL

extension MosquittoClient {
    /// Listens to libmosquitto's error log during an attempt: it is where libmosquitto reports
    /// OpenSSL's error queue (`OpenSSL Error[0]: …`) and the TLS files it cannot load. While such a
    /// line is written the attempt's TLS connection still exists, so the server certificate's verify
    /// result (unknown CA, name mismatch, expired) is read from it there.
    func installLogCallback() {
        mosquitto_log_callback_set(handle) { mosq, userdata, level, text in
            guard let userdata, let text, level & Int32(MOSQ_LOG_ERR) != 0 else { return }
            let line = String(cString: text)
            var verify: (Int, String)?
            var subject: String?
            if line.hasPrefix("OpenSSL Error") || line.contains("host name verification failed"), let mosq,
                let ssl = mosquitto_ssl_get(mosq).map(OpaquePointer.init)
            {
                let result = Int(SSL_get_verify_result(ssl))
                if result != Int(X509_V_OK) {
                    verify = (result, X509_verify_cert_error_string(result).map { String(cString: $0) } ?? "")
                }
                subject = MosquittoClient.peerSubject(ssl)
            }
            Unmanaged<MosquittoClient>.fromOpaque(userdata).takeUnretainedValue()
                .recordLogError(line, verify: verify, peerSubject: subject)
        }
    }

    /// The subject of the certificate the broker presented, if the handshake has it yet.
    static func peerSubject(_ ssl: OpaquePointer) -> String? {
        guard let certificate = SSL_get0_peer_certificate(ssl), let name = X509_get_subject_name(certificate) else {
            return nil
        }
        var buffer = [CChar](repeating: 0, count: 256)
        guard X509_NAME_oneline(name, &buffer, Int32(buffer.count)) != nil else { return nil }
        return String(cString: buffer)
    }
}
