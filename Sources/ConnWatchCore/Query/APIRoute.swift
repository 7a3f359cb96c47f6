import Foundation

/// The query API's routes: which one a method and path name.
public enum APIRoute: Sendable, Equatable {
    /// `GET /api/v0002/clientconnectionstates`
    case clientStates
    /// `GET /api/v0002/clientconnectionstates/{clientId}`
    case clientState(String)
    /// `DELETE /api/v0002/clientconnectionstates/{clientId}`: forget a decommissioned client.
    case forgetClient(String)
    /// `GET /api/v0002/logs/connection`
    case connectionLog
    /// `GET /api/v1/alerts`
    case alerts
    /// `GET /api/v1/brokers`
    case brokers
    /// `GET /api/v1/silences`
    case silences
    /// `POST /api/v1/silences`
    case createSilence
    /// `DELETE /api/v1/silences/{id}`
    case expireSilence(String)
    /// `GET /api/v1/fleet`: client counts by status, broker, client type and type id.
    case fleet
    /// `GET /api/v1/rules`: the rules and their open alerts.
    case rules
    /// `GET /api/v1/status`: version, reload status, receivers' last delivery results.
    case status
    /// `GET /`, `/console.js`, `/console.css`: the web console (no data of its own).
    case console(ConsoleAsset)
    /// `GET /metrics`
    case metrics
    /// `GET /-/healthy`
    case healthy
    /// `GET /-/ready`
    case ready
    /// `POST /-/reload`
    case reload

    /// Whether the route answers without a bearer token.
    /// The console's files carry no data (every figure on its pages comes from the token-guarded
    /// routes), and a browser's navigation cannot send a bearer token, so they are public too.
    public var isPublic: Bool {
        if case .console = self { return true }
        return self == .healthy
    }

    /// Whether the route reads a JSON body: then a state-changing request needs
    /// `Content-Type: application/json`. The others (`POST /-/reload`, `DELETE /api/v1/silences/{id}`)
    /// take no body and may omit the content type when they send none (see ``APIRequestGuard``).
    /// (`DELETE /api/v0002/clientconnectionstates/{clientId}` takes none either.)
    public var takesBody: Bool { self == .createSilence }

    /// The route for `method` and the (percent-encoded) `path`: 404 for an unknown path, 405 with an
    /// `Allow` header for a known path with another method. `HEAD` is allowed wherever `GET` is.
    public static func resolve(method: String, path: String) throws(APIError) -> APIRoute {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let options: [String: APIRoute]
        switch segments.count {
        case 0: options = ["GET": .console(.page)]
        case 1 where ConsoleAsset(fileName: segments[0]) != nil:
            options = ["GET": .console(ConsoleAsset(fileName: segments[0]) ?? .page)]
        case 2 where segments == ["-", "healthy"]: options = ["GET": .healthy]
        case 2 where segments == ["-", "ready"]: options = ["GET": .ready]
        case 2 where segments == ["-", "reload"]: options = ["POST": .reload, "PUT": .reload]
        case 1 where segments == ["metrics"]: options = ["GET": .metrics]
        case 3 where segments == ["api", "v0002", "clientconnectionstates"]: options = ["GET": .clientStates]
        case 4 where Array(segments.prefix(3)) == ["api", "v0002", "clientconnectionstates"]:
            guard let id = QueryParameters.decode(Substring(segments[3])), !id.isEmpty else {
                throw .badParameter("clientId", "the client id is not valid percent-encoding")
            }
            options = ["GET": .clientState(id), "DELETE": .forgetClient(id)]
        case 4 where segments == ["api", "v0002", "logs", "connection"]: options = ["GET": .connectionLog]
        case 3 where segments == ["api", "v1", "alerts"]: options = ["GET": .alerts]
        case 3 where segments == ["api", "v1", "brokers"]: options = ["GET": .brokers]
        case 3 where segments == ["api", "v1", "fleet"]: options = ["GET": .fleet]
        case 3 where segments == ["api", "v1", "rules"]: options = ["GET": .rules]
        case 3 where segments == ["api", "v1", "status"]: options = ["GET": .status]
        case 3 where segments == ["api", "v1", "silences"]: options = ["GET": .silences, "POST": .createSilence]
        case 4 where Array(segments.prefix(3)) == ["api", "v1", "silences"]:
            guard let id = QueryParameters.decode(Substring(segments[3])), !id.isEmpty else {
                throw .badParameter("id", "the silence id is not valid percent-encoding")
            }
            options = ["DELETE": .expireSilence(id)]
        default:
            throw .notFound("no such route: \(path)")
        }
        var allowed = options
        if let get = options["GET"] { allowed["HEAD"] = get }
        guard let route = allowed[method] else {
            let methods = allowed.keys.sorted().joined(separator: ", ")
            throw APIError(
                status: 405,
                message: "method \(method) is not allowed here (allowed: \(methods))",
                headers: ["Allow": methods]
            )
        }
        return route
    }
}

/// Compares a request's `Authorization` header with the configured bearer token in constant time.
public enum BearerToken {
    /// Whether `header` is `Bearer <token>`. The comparison takes the same time wherever the first
    /// difference is, so the token cannot be guessed byte by byte.
    public static func authorizes(header: String?, token: String) -> Bool {
        guard let header else { return false }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else { return false }
        let given = Array(header.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces).utf8)
        let expected = Array(token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for position in 0..<max(given.count, expected.count) {
            let a = position < given.count ? given[position] : 0
            let b = position < expected.count ? expected[position] : 0
            difference |= a ^ b
        }
        return difference == 0 && !expected.isEmpty
    }
}
