import Yams

/// The `api:` section.
extension ConfigBuilder {
    static let apiKeys = ["enabled", "listen", "port", "bearer_token_file", "allowed_hosts"]

    func api(_ node: Node) -> APIConfig {
        var api = APIConfig()
        guard let entries = reader.mapping(node, "api", allowed: Self.apiKeys) else { return api }
        for entry in entries {
            switch entry.key {
            case "enabled": api.enabled = reader.bool(entry.value, "api.enabled") ?? api.enabled
            case "listen":
                guard let address = reader.nonEmptyString(entry.value, "api.listen") else { continue }
                if address.contains(where: { $0 == " " || $0 == "/" }) {
                    reader.report(
                        entry.value,
                        "api.listen '\(address)' is not an address (e.g. 127.0.0.1, ::1, 0.0.0.0)"
                    )
                } else {
                    api.listen = address
                }
            case "port": api.port = reader.int(entry.value, "api.port", range: 1...65_535) ?? api.port
            case "bearer_token_file": api.bearerTokenFile = readablePath(entry.value, "api.bearer_token_file")
            case "allowed_hosts":
                for name in reader.stringList(entry.value, "api.allowed_hosts") ?? [] {
                    if APIRequestGuard.parseAuthority(name) == nil {
                        reader.report(
                            entry.value,
                            "api.allowed_hosts '\(name)' is not a host name with an optional port "
                                + "(e.g. connwatch.example or connwatch.example:443)"
                        )
                    } else {
                        api.allowedHosts.append(name)
                    }
                }
            default: break
            }
        }
        return api
    }
}
