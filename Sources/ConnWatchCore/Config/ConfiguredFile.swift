/// A TLS file or directory the configuration names, with what it must hold. Loading a configuration
/// asks a ``ConfiguredFileInspector`` about each one (the inspection reads the files with OpenSSL,
/// so it lives in the runtime) and reports what it finds at the key's position.
public enum ConfiguredFile: Sendable, Equatable {
    /// `tls.ca_file`: a readable regular file with at least one PEM certificate.
    case caFile(String)
    /// `tls.ca_path`: a directory.
    case caDirectory(String)
    /// `tls.cert_file`: a readable regular file with a PEM certificate that is valid now.
    case certificate(String)
    /// `tls.key_file`: a readable regular file with an unencrypted PEM private key.
    case privateKey(String)
    /// `tls.cert_file` and `tls.key_file` together: the key belongs to the certificate.
    case keyPair(certificate: String, key: String)
}

/// Returns what is wrong with a configured file, or `nil` when it can be used. Paths are as written
/// in the configuration (the inspector resolves relative ones).
public typealias ConfiguredFileInspector = @Sendable (ConfiguredFile) -> String?
