import Foundation

/// The checks that keep web pages out of the query API, pure so they are tested without sockets.
///
/// A browser on the operator's machine can reach the loopback API. Two things stop a page from
/// using it:
/// - **Host**: every request's `Host` must name this API: the listen address, `localhost` or an
///   `api.allowed_hosts` entry, with the API's port (or none). With a wildcard listen address
///   (`0.0.0.0`, `::`) any IP address literal is accepted too: the API is reached through every
///   address of the machine, and an address literal cannot be rebound. Anything else is a 421, so a
///   DNS-rebinding page (whose `Host` is its own name) cannot read client states. A request
///   without `Host` (an HTTP/1.0 tool) is let through: browsers always send one.
/// - **Origin**: a request that carries `Origin` (browsers send it on every POST and every
///   cross-site request) must come from the API's own origin (`http://<allowed host>:<port>`);
///   anything else, `null` included, is a 403. Tools such as curl send no `Origin`.
///
/// Then, once routed, a state-changing request (POST, PUT, DELETE, PATCH) must declare
/// `Content-Type: application/json` (parameters such as `charset` allowed), or a 415: an HTML form
/// or a `text/plain` fetch (which skip the CORS preflight) cannot change anything. Routes that take
/// no body (``APIRoute/takesBody`` false: `POST /-/reload`, `DELETE /api/v1/silences/{id}`) may omit
/// the content type when they send no body.
public struct APIRequestGuard: Sendable, Equatable {
    /// A host and optional port, as in `Host` or an `api.allowed_hosts` entry.
    public struct Authority: Sendable, Hashable {
        /// Lowercase, an IPv6 address without brackets, no trailing dot.
        public var host: String
        /// `nil` when not given.
        public var port: Int?

        public init(host: String, port: Int? = nil) {
            self.host = host
            self.port = port
        }
    }

    /// The methods that can change state.
    public static let stateChangingMethods: Set<String> = ["POST", "PUT", "DELETE", "PATCH"]

    /// The API's port.
    public let port: Int
    /// Names accepted with the API's port or none: `localhost`, the listen address, bare
    /// `api.allowed_hosts` entries.
    public let names: Set<String>
    /// `api.allowed_hosts` entries with a port, accepted with exactly that port (or none in `Host`).
    public let namesWithPort: Set<Authority>
    /// Whether the API listens on every address, so any IP address literal names it.
    public let anyAddress: Bool

    /// The guard for an API listening on `listen`:`port` that also answers to `allowedHosts`
    /// (entries ``parseAuthority(_:)`` cannot read are ignored; the configuration refuses them).
    public init(listen: String, port: Int, allowedHosts: [String] = []) {
        self.port = port
        let listenHost = Self.parseAuthority(listen)?.host ?? Self.unbracketed(listen).lowercased()
        anyAddress = ["", "0.0.0.0", "::"].contains(listenHost)
        var names: Set<String> = ["localhost"]
        if !anyAddress { names.insert(listenHost) }
        var namesWithPort: Set<Authority> = []
        for entry in allowedHosts {
            guard let authority = Self.parseAuthority(entry) else { continue }
            if authority.port == nil {
                names.insert(authority.host)
            } else {
                namesWithPort.insert(authority)
            }
        }
        self.names = names
        self.namesWithPort = namesWithPort
    }

    /// The guard for the `api:` section.
    public init(_ config: APIConfig) {
        self.init(listen: config.listen, port: config.port, allowedHosts: config.allowedHosts)
    }

    /// Checks `Host` (421) and `Origin` (403); run before routing, on every request.
    public func checkSource(_ headers: APIRequestHeaders) throws(APIError) {
        if let host = headers.host {
            guard let authority = Self.parseAuthority(host), allows(authority) else {
                throw APIError(
                    status: 421,
                    message: "Host '\(host)' does not name this API (add the name to api.allowed_hosts)"
                )
            }
        }
        if let origin = headers.origin {
            guard let authority = Self.parseOrigin(origin), allows(authority) else {
                throw APIError(status: 403, message: "requests from another origin are refused (Origin '\(origin)')")
            }
        }
    }

    /// Checks the content type of a state-changing request for `route` (415).
    public static func checkContentType(_ request: APIRequest, route: APIRoute) throws(APIError) {
        guard stateChangingMethods.contains(request.method) else { return }
        if let type = request.headers.contentType {
            guard isJSON(type) else {
                throw APIError(
                    status: 415,
                    message: "\(request.method) requests must be sent as Content-Type: application/json, not '\(type)'"
                )
            }
        } else if route.takesBody || !request.body.isEmpty {
            throw APIError(
                status: 415,
                message: "\(request.method) requests must be sent as Content-Type: application/json"
            )
        }
    }

    /// Whether `authority` names this API.
    public func allows(_ authority: Authority) -> Bool {
        let portMatches = authority.port == nil || authority.port == port
        if portMatches && (names.contains(authority.host) || (anyAddress && Self.isAddressLiteral(authority.host))) {
            return true
        }
        return namesWithPort.contains {
            $0.host == authority.host && (authority.port == nil || authority.port == $0.port)
        }
    }

    /// Whether a media type is `application/json` (any case, any parameters).
    public static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`; `nil` if it is not one (a scheme, a path, a space).
    public static func parseAuthority(_ text: String) -> Authority? {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            if !rest.isEmpty {
                guard rest.first == ":" else { return nil }
                portText = rest.dropFirst()
            }
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            host = parts[0]
            if parts.count == 2 { portText = parts[1] }
            if host.hasSuffix(".") { host = host.dropLast() }
            let allowed = { (character: Character) in
                character.isASCII && (character.isLetter || character.isNumber || "-._".contains(character))
            }
            guard !host.isEmpty, host.allSatisfy(allowed) else { return nil }
        }
        var port: Int?
        if let portText, !portText.isEmpty {
            guard portText.count <= 5, portText.allSatisfy(Self.isDigit), let number = Int(portText), number <= 65_535
            else { return nil }
            port = number
        }
        return Authority(host: host.lowercased(), port: port)
    }

    /// `http://host[:port]` or `https://host[:port]` with the scheme's port filled in; `nil` for
    /// `null` and anything else.
    public static func parseOrigin(_ text: String) -> Authority? {
        let lowered = text.lowercased()
        let defaultPort: Int
        let rest: Substring
        if lowered.hasPrefix("http://") {
            (defaultPort, rest) = (80, lowered.dropFirst("http://".count))
        } else if lowered.hasPrefix("https://") {
            (defaultPort, rest) = (443, lowered.dropFirst("https://".count))
        } else {
            return nil
        }
        guard var authority = parseAuthority(String(rest)) else { return nil }
        authority.port = authority.port ?? defaultPort
        return authority
    }

    /// Whether `host` (as ``parseAuthority(_:)`` gives it) is an IPv4 or IPv6 address literal.
    public static func isAddressLiteral(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(isDigit) && (Int($0) ?? 256) <= 255 }
    }

    private static func isDigit(_ character: Character) -> Bool { character.isASCII && character.isNumber }

    private static func unbracketed(_ text: String) -> String {
        text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
    }
}
