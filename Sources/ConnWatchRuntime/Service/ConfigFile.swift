import ConnWatchCore
import Foundation

/// Reads the configuration file from disk and validates it.
public enum ConfigFile {
    /// The default location.
    public static let defaultPath = "/etc/connwatch/rules.yaml"

    /// Loads and validates `path`; every problem comes back as `file:line:column: message`. The
    /// systemd credentials it names are looked for as `credentials` says (by default, as
    /// `connwatch run` would find them here).
    public static func load(
        _ path: String,
        credentials: CredentialCheck = .forEnvironment(ProcessInfo.processInfo.environment)
    ) throws(ConfigError) -> ConnWatchConfig {
        let text = try self.text(of: path)
        let base = (path as NSString).deletingLastPathComponent
        return try ConfigLoader.load(
            text: text,
            file: path,
            isReadable: { name in FileManager.default.isReadableFile(atPath: resolve(name, relativeTo: base)) },
            credentialProblem: credentials.problem,
            inspect: TLSFileInspector.inspector(relativeTo: base)
        )
    }

    /// The text of the file at `path`; a file that cannot be read or is not UTF-8 is a problem of it.
    public static func text(of path: String) throws(ConfigError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(problems: [
                ConfigProblem(file: path, line: 0, column: 0, message: "cannot read the file: \(reason(error))")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(problems: [ConfigProblem(file: path, line: 0, column: 0, message: "is not UTF-8 text")])
        }
        return text
    }

    /// A file error as the system says it ("No such file or directory"), not Foundation's wrapping.
    public static func reason(_ error: any Error) -> String {
        let error = error as NSError
        if let posix = error.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        switch error.code {
        case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return String(cString: strerror(ENOENT))
        case NSFileReadNoPermissionError: return String(cString: strerror(EACCES))
        default: return error.localizedDescription
        }
    }

    /// Paths in the configuration are relative to the configuration file's folder.
    public static func resolve(_ name: String, relativeTo base: String) -> String {
        if name.hasPrefix("/") || base.isEmpty { return name }
        return "\(base)/\(name)"
    }

    /// The contents of a secret file, without the trailing newline.
    public static func readSecret(_ path: String) throws -> String {
        var text = try String(contentsOfFile: path, encoding: .utf8)
        while text.last == "\n" || text.last == "\r" || text.last == " " { text.removeLast() }
        return text
    }
}
