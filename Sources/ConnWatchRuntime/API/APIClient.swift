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

    /// The daemon to talk to, and a note for the operator when the address is a fallback.
    public struct Target: Sendable {
        public var client: APIClient
        /// Why the address is the default one (the `api:` section could not be read), or `nil`.
        public var note: String?
    }

    /// The daemon the configuration file's `api:` section names; `url` (`--url`, else
    /// `CONNWATCH_URL`) overrides its address. Only the `api:` section is read, so a file with
    /// problems elsewhere (a reload the daemon rejected) still gives the address and token; a file
    /// whose `api:` section cannot be read gives the default address, with a note. Only an `api:`
    /// section that disables the API, or a token file that cannot be read, stops the command.
    public static func forConfiguration(
        path: String,
        url: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(APIClientError) -> Target {
        let url = url ?? environment["CONNWATCH_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let api: APIConfig
        var note: String?
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard let section = APISectionReader.read(text: text, file: path) else {
                throw APIClientError(status: nil, message: "its api: section cannot be read (connwatch check says why)")
            }
            api = section
        } catch {
            if let url { return Target(client: APIClient(baseURL: url, token: nil), note: nil) }
            api = APIConfig()
            let why = (error as? APIClientError)?.message ?? ConfigFile.reason(error)
            note =
                "\(path): \(why); trying the default address \(api.localURL) "
                + "(--url or CONNWATCH_URL to choose another)"
        }
        var token: String?
        if let file = api.bearerTokenFile {
            let base = (path as NSString).deletingLastPathComponent
            do {
                token = try ConfigFile.readSecret(ConfigFile.resolve(file, relativeTo: base))
            } catch {
                throw APIClientError(status: nil, message: "cannot read api.bearer_token_file '\(file)': \(error)")
            }
        }
        if url == nil && !api.enabled {
            throw APIClientError(status: nil, message: "the API is disabled in \(path) (api.enabled: false)")
        }
        return Target(client: APIClient(baseURL: url ?? api.localURL, token: token), note: note)
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
