/// The settings a reload cannot apply: the query API is bound once, at start. A reload that
/// changes them still applies the rest of the file and says, for each, that it waits for a restart.
public enum RestartOnlySettings {
    /// One line per `api.*` key that differs between the running settings and the reloaded file,
    /// as `api.port 9467 → 9500`, in the file's key order.
    public static func changes(running: APIConfig, reloaded: APIConfig) -> [String] {
        var lines: [String] = []
        func compare(_ key: String, _ old: String, _ new: String) {
            if old != new { lines.append("api.\(key) \(old) → \(new)") }
        }
        compare("enabled", "\(running.enabled)", "\(reloaded.enabled)")
        compare("listen", running.listen, reloaded.listen)
        compare("port", "\(running.port)", "\(reloaded.port)")
        compare("bearer_token_file", running.bearerTokenFile ?? "(none)", reloaded.bearerTokenFile ?? "(none)")
        compare(
            "allowed_hosts",
            "[\(running.allowedHosts.joined(separator: ", "))]",
            "[\(reloaded.allowedHosts.joined(separator: ", "))]"
        )
        return lines
    }
}
