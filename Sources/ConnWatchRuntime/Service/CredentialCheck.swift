import Foundation

/// Whether the systemd credentials a configuration names (`url_credential: NAME`, …) will be there
/// for `connwatch run`: under systemd, files in `$CREDENTIALS_DIRECTORY`; elsewhere, names the
/// unit declares (`LoadCredential=`, `LoadCredentialEncrypted=`, `SetCredential=`, …, drop-ins
/// included) with a readable source.
public struct CredentialCheck: Sendable {
    /// Where the credentials are looked for.
    public enum Source: Sendable, Equatable {
        /// `$CREDENTIALS_DIRECTORY`: each credential is a file there.
        case directory(String)
        /// The unit's declarations (name → source path, or `nil` for the credential stores or a
        /// value given inline); `unit` names the file for the messages.
        case unit(String, [String: String?])
        /// Neither is there: nothing can give connwatch a credential.
        case none
    }

    public let source: Source

    public init(source: Source) { self.source = source }

    /// The unit files systemd reads for `connwatch.service`, in order (later ones override).
    static let unitFolders = [
        "/usr/lib/systemd/system", "/lib/systemd/system", "/run/systemd/system", "/etc/systemd/system",
    ]
    /// systemd's credential stores, searched for a credential given by name only.
    static let credentialStores = ["/etc/credstore", "/run/credstore", "/usr/lib/credstore"]

    /// The check `connwatch run` would pass: `$CREDENTIALS_DIRECTORY` when set (unless
    /// `forService`), else the unit at `unitPath` or the installed `connwatch.service`.
    public static func forEnvironment(
        _ environment: [String: String],
        forService: Bool = false,
        unitPath: String? = nil
    ) -> CredentialCheck {
        if !forService, unitPath == nil, let directory = environment["CREDENTIALS_DIRECTORY"] {
            return CredentialCheck(source: .directory(directory))
        }
        let files: [String]
        if let unitPath {
            files = [unitPath] + dropIns(of: unitPath)
        } else {
            let main = unitFolders.map { "\($0)/connwatch.service" }.last { FileManager.default.fileExists(atPath: $0) }
            guard let main else { return CredentialCheck(source: .none) }
            files = [main] + unitFolders.flatMap { dropIns(in: "\($0)/connwatch.service.d") }
        }
        var declared: [String: String?] = [:]
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            declared = declarations(in: text, adding: declared)
        }
        return CredentialCheck(source: .unit(files[0], declared))
    }

    /// Why credential `name` would be missing, or `nil` if it will be there.
    public func problem(_ name: String) -> String? {
        switch source {
        case .directory(let directory):
            let path = "\(directory)/\(name)"
            return FileManager.default.isReadableFile(atPath: path) ? nil : "is not in $CREDENTIALS_DIRECTORY (\(path))"
        case .unit(let unit, let declared):
            guard let entry = declared[name] else {
                return "is not given to connwatch by \(unit): add LoadCredential=\(name):/path/to/file "
                    + "(systemctl edit connwatch)"
            }
            guard let path = entry else { return nil }
            let candidates = path.hasPrefix("/") ? [path] : Self.credentialStores.map { "\($0)/\(path)" }
            if candidates.contains(where: FileManager.default.isReadableFile(atPath:)) { return nil }
            return "comes from '\(path)' (LoadCredential= in \(unit)), which cannot be read"
        case .none:
            return "cannot be given to connwatch: $CREDENTIALS_DIRECTORY is not set and no connwatch.service "
                + "unit is installed (connwatch run needs LoadCredential=\(name):… in its unit)"
        }
    }

    /// The credential declarations of a unit file's text added to `declared`: `LoadCredential=`
    /// and `LoadCredentialEncrypted=` (name and optional path; a name alone is searched in the
    /// credential stores), `SetCredential=`/`SetCredentialEncrypted=` (a value inline) and
    /// `ImportCredential=` (a name or glob, from the stores). An empty assignment clears the list.
    static func declarations(in text: String, adding declared: [String: String?]) -> [String: String?] {
        var result = declared
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#"), !line.hasPrefix(";") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "LoadCredential", "LoadCredentialEncrypted":
                guard !value.isEmpty else {
                    result = [:]
                    continue
                }
                let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
                result[parts[0]] = parts.count > 1 ? parts[1] : parts[0]
            case "SetCredential", "SetCredentialEncrypted":
                guard let name = value.split(separator: ":", maxSplits: 1).first else { continue }
                if result[String(name)] == nil { result[String(name)] = .some(nil) }
            case "ImportCredential":
                guard !value.isEmpty, !value.contains("*") else { continue }
                result[value] = value
            default:
                continue
            }
        }
        return result
    }

    private static func dropIns(of unitPath: String) -> [String] {
        dropIns(in: unitPath + ".d")
    }

    private static func dropIns(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".conf") }.sorted().map { "\(folder)/\($0)" }
    }
}
