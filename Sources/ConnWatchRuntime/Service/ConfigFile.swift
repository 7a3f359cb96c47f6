import ConnWatchCore
import Foundation

/// Reads the configuration file from disk and validates it.
public enum ConfigFile {
    /// The default location.
    public static let defaultPath = "/etc/connwatch/rules.yaml"

    /// Loads and validates `path`; every problem comes back as `file:line:column: message`.
    public static func load(_ path: String) throws(ConfigError) -> ConnWatchConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedDescription
            throw ConfigError(problems: [
                ConfigProblem(file: path, line: 0, column: 0, message: "cannot read: \(reason)")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(problems: [ConfigProblem(file: path, line: 0, column: 0, message: "is not UTF-8 text")])
        }
        let base = (path as NSString).deletingLastPathComponent
        return try ConfigLoader.load(text: text, file: path) { name in
            FileManager.default.isReadableFile(atPath: resolve(name, relativeTo: base))
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
