import COpenSSL
import ConnWatchCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Checks the TLS files of a broker the way libmosquitto will use them — with the same OpenSSL —
/// so that `connwatch check` (and a start or reload) names a bad file instead of the connection
/// failing later with a generic TLS error: readable regular files, PEM that parses, a client
/// certificate valid now, a key that belongs to it, and a `ca_path` that is a directory.
public enum TLSFileInspector {
    /// An inspector for a configuration in directory `base` (relative paths are resolved there).
    public static func inspector(relativeTo base: String) -> ConfiguredFileInspector {
        { file in inspect(file, relativeTo: base) }
    }

    /// What is wrong with `file`, or `nil`.
    public static func inspect(_ file: ConfiguredFile, relativeTo base: String = "") -> String? {
        func path(_ name: String) -> String { ConfigFile.resolve(name, relativeTo: base) }
        switch file {
        case .caDirectory(let name):
            return directoryProblem(path(name))
        case .caFile(let name):
            if let problem = regularFileProblem(path(name)) { return problem }
            return withCertificate(path(name)) { _ in nil }
        case .certificate(let name):
            if let problem = regularFileProblem(path(name)) { return problem }
            return withCertificate(path(name), validity)
        case .privateKey(let name):
            if let problem = regularFileProblem(path(name)) { return problem }
            return withPrivateKey(path(name)) { _ in nil }
        case .keyPair(let certificate, let key):
            return withCertificate(path(certificate)) { x509 in
                withPrivateKey(path(key)) { privateKey in
                    X509_check_private_key(x509, privateKey) == 1
                        ? nil : "does not belong to the certificate in cert_file '\(certificate)'"
                }
            }
        }
    }

    // MARK: - Files

    private static func regularFileProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return String(cString: strerror(errno)) }
        if info.st_mode & S_IFMT == S_IFDIR { return "is a directory, not a file" }
        guard info.st_mode & S_IFMT == S_IFREG else { return "is not a regular file" }
        guard access(path, R_OK) == 0 else { return "cannot be read: \(String(cString: strerror(errno)))" }
        return nil
    }

    private static func directoryProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return String(cString: strerror(errno)) }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            return "is not a directory (ca_path names a directory of hashed CA certificates; use ca_file for one file)"
        }
        guard access(path, R_OK | X_OK) == 0 else { return "cannot be read: \(String(cString: strerror(errno)))" }
        return nil
    }

    // MARK: - PEM

    /// Reads the first PEM certificate of `path` and hands it to `body`.
    private static func withCertificate(_ path: String, _ body: (OpaquePointer) -> String?) -> String? {
        ERR_clear_error()
        guard let bio = BIO_new_file(path, "r") else { return "cannot be opened (\(openSSLError()))" }
        defer { BIO_free(bio) }
        guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else {
            return "holds no PEM certificate (OpenSSL: \(openSSLError()))"
        }
        defer { X509_free(certificate) }
        return body(certificate)
    }

    /// Reads the PEM private key of `path` (never asking for a passphrase) and hands it to `body`.
    private static func withPrivateKey(_ path: String, _ body: (OpaquePointer) -> String?) -> String? {
        ERR_clear_error()
        if let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("ENCRYPTED") {
            return "is encrypted; connwatch needs an unencrypted key (openssl pkey -in KEY -out PLAIN_KEY)"
        }
        guard let bio = BIO_new_file(path, "r") else { return "cannot be opened (\(openSSLError()))" }
        defer { BIO_free(bio) }
        let noPassphrase:
            @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) ->
                Int32 = { _, _, _, _ in -1 }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, noPassphrase, nil) else {
            return "holds no PEM private key (OpenSSL: \(openSSLError()))"
        }
        defer { EVP_PKEY_free(key) }
        return body(key)
    }

    /// Expired or not yet valid.
    private static func validity(_ certificate: OpaquePointer) -> String? {
        if let notAfter = X509_get0_notAfter(certificate), X509_cmp_current_time(notAfter) < 0 {
            return "the certificate expired on \(timeText(notAfter))"
        }
        if let notBefore = X509_get0_notBefore(certificate), X509_cmp_current_time(notBefore) > 0 {
            return "the certificate is not valid before \(timeText(notBefore))"
        }
        return nil
    }

    private static func timeText(_ time: UnsafePointer<ASN1_TIME>) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "?" }
        defer { BIO_free(bio) }
        guard ASN1_TIME_print(bio, time) == 1 else { return "?" }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = BIO_read(bio, &buffer, Int32(buffer.count))
        return count > 0 ? String(decoding: buffer.prefix(Int(count)), as: UTF8.self) : "?"
    }

    /// The reason of the newest error in OpenSSL's queue (and the queue emptied).
    private static func openSSLError() -> String {
        var last: UInt = 0
        while case let code = ERR_get_error(), code != 0 { last = code }
        guard last != 0, let reason = ERR_reason_error_string(last) else { return "unknown error" }
        return String(cString: reason)
    }
}
