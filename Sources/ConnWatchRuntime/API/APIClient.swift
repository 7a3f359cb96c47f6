import ConnWatchCore
import Foundation

/// Why a CLI request to the daemon's API failed.
public struct APIClientError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status, or `nil` when the daemon was not reached.
    public var status: Int?
    public var message: String

    public init(status: Int?, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}

/// The CLI's side of the query API: requests to the running daemon over libcurl.
public final class APIClient: Sendable {
    /// `http://127.0.0.1:9467`, no trailing slash.
    public let baseURL: String
    private let token: String?
    private let http: CurlHTTPClient

    public init(baseURL: String, token: String?) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.token = token
        http = CurlHTTPClient(workers: 1, userAgent: "connwatch-cli/\(ConnWatchVersion.current)")
    }

    /// The daemon the configuration file's `api:` section names; `url` overrides its address. A
    /// configuration that cannot be read is fine when `url` is given (no token then).
    public static func forConfiguration(path: String, url: String?) throws(APIClientError) -> APIClient {
        let config: ConnWatchConfig
        do {
            config = try ConfigFile.load(path)
        } catch {
            if let url { return APIClient(baseURL: url, token: nil) }
            let problems = error.problems.map(\.description).joined(separator: "\n")
            throw APIClientError(status: nil, message: "cannot read the configuration (or pass --url):\n\(problems)")
        }
        var token: String?
        if let file = config.api.bearerTokenFile {
            let base = (path as NSString).deletingLastPathComponent
            do {
                token = try ConfigFile.readSecret(ConfigFile.resolve(file, relativeTo: base))
            } catch {
                throw APIClientError(status: nil, message: "cannot read api.bearer_token_file '\(file)': \(error)")
            }
        }
        if url == nil && !config.api.enabled {
            throw APIClientError(status: nil, message: "the API is disabled in \(path) (api.enabled: false)")
        }
        return APIClient(baseURL: url ?? config.api.localURL, token: token)
    }

    /// Sends a request; answers the body of a 2xx response, else throws the API's error message.
    /// Every request but a GET or HEAD is sent as `Content-Type: application/json`, body or not:
    /// the API refuses state-changing requests of any other type (and libcurl would otherwise label
    /// an empty body a form).
    public func send(_ method: String, _ target: String, body: [UInt8] = []) async throws(APIClientError) -> [UInt8] {
        var headers = [HTTPHeader(name: "Accept", value: "application/json")]
        if let token { headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)")) }
        if !body.isEmpty || !["GET", "HEAD"].contains(method.uppercased()) {
            headers.append(HTTPHeader(name: "Content-Type", value: "application/json"))
        }
        let response: HTTPResponse
        do {
            response = try await http.send(
                HTTPRequest(url: baseURL + target, method: method, headers: headers, body: body, timeout: .seconds(15))
            )
        } catch {
            throw APIClientError(
                status: nil,
                message: "cannot reach connwatch at \(baseURL): \(error) (is the daemon running with the API enabled?)"
            )
        }
        if response.body.count >= HTTPResponse.maximumBodySize {
            throw APIClientError(status: response.status, message: "the answer is too large; narrow the query")
        }
        guard (200..<300).contains(response.status) else {
            struct Problem: Decodable {
                var error: String
                var parameter: String?
            }
            if let problem = try? JSONDecoder().decode(Problem.self, from: Data(response.body)) {
                let parameter = problem.parameter.map { " (parameter \($0))" } ?? ""
                throw APIClientError(
                    status: response.status,
                    message: "HTTP \(response.status): \(problem.error)\(parameter)"
                )
            }
            throw APIClientError(status: response.status, message: "HTTP \(response.status) from \(baseURL)\(target)")
        }
        return response.body
    }

    /// Sends a request and decodes the JSON answer.
    public func get<Value: Decodable>(_ type: Value.Type, _ target: String) async throws(APIClientError) -> Value {
        let body = try await send("GET", target)
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw APIClientError(status: 200, message: "unexpected answer from \(baseURL)\(target): \(error)")
        }
    }

    /// Percent-encodes a query value or path segment.
    public static func encode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Stops the HTTP workers.
    public func shutdown() { http.shutdown() }
}
