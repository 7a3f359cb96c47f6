import ConnWatchCore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Why the API server did not start.
public struct APIServerError: Error, Sendable, CustomStringConvertible {
    public var address: String
    public var port: Int
    public var reason: String

    public var description: String {
        "cannot serve the API on \(address):\(port): \(reason) (set api.port or api.enabled: false in the configuration)"
    }
}

/// The HTTP face of the query API, on Hummingbird. It only carries requests: routing errors,
/// the bearer token and `/-/healthy` are answered here; everything else goes to the daemon's task
/// through `forward` and is answered there (the engine is never touched from another thread).
final class APIServer: Sendable {
    /// Hands a request to the daemon's task; returns `false` if the daemon no longer takes input.
    typealias Forward = @Sendable (APIRequest, _ reply: @escaping @Sendable (APIResponse) -> Void) -> Bool

    /// The largest request body read (a silence is a few hundred bytes).
    static let maximumBodySize = 64 * 1024

    let address: String
    let port: Int
    private let token: String?
    private let requestGuard: APIRequestGuard
    private let forward: Forward
    private let logger: Logger
    private let running = Mutex<(task: Task<Void, Never>, group: ServiceGroup)?>(nil)
    /// Requests handed to the daemon and not answered yet; answered with 503 when the server stops.
    private let outstanding = Mutex<(next: UInt64, waiting: [UInt64: CheckedContinuation<APIResponse, Never>])>(
        (0, [:])
    )

    /// `allowedHosts`: names besides `address` and `localhost` that `Host` and `Origin` may carry.
    init(
        address: String,
        port: Int,
        token: String?,
        allowedHosts: [String] = [],
        logger: Logger,
        forward: @escaping Forward
    ) {
        self.address = address
        self.port = port
        self.token = token
        self.requestGuard = APIRequestGuard(listen: address, port: port, allowedHosts: allowedHosts)
        self.logger = logger
        self.forward = forward
    }

    /// Starts listening; returns once the socket is bound, throws if it cannot be.
    func start() async throws(APIServerError) {
        let (events, event) = AsyncStream.makeStream(of: String?.self)
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .warning)
        // HummingbirdCore's server without Hummingbird's `Application`, whose cache of the `Date`
        // header wakes the process every second: an idle daemon should not wake at all.
        let server: any Service
        do {
            server = try HTTPServerBuilder.http1().buildServer(
                configuration: ServerConfiguration(address: .hostname(address, port: port)),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: serverLogger,
                responder: { [self] request, writer, _ in
                    var response = await self.respond(to: request)
                    let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
                    response.headers[.date] = Timestamp.formatHTTPDate(milliseconds: now)
                    try await writer.write(response: response.head, body: response.body)
                },
                onServerRunning: { _ in event.yield(nil) }
            )
        } catch {
            throw APIServerError(address: address, port: port, reason: "\(error)")
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [server],
                gracefulShutdownSignals: [],
                cancellationSignals: [],
                logger: serverLogger
            )
        )
        let task = Task {
            do {
                try await group.run()
                event.yield("the server stopped")
            } catch {
                event.yield("\(error)")
            }
            event.finish()
        }
        running.withLock { $0 = (task, group) }
        for await failure in events {
            if let failure { throw APIServerError(address: address, port: port, reason: failure) }
            return
        }
        throw APIServerError(address: address, port: port, reason: "the server stopped")
    }

    /// Stops listening (waits at most `timeout` for open connections) and answers requests still
    /// waiting for the daemon with 503.
    func stop(timeout: Duration = .seconds(3)) async {
        let server = running.withLock { running in
            defer { running = nil }
            return running
        }
        let waiting = outstanding.withLock { state in
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for continuation in waiting { continuation.resume(returning: Self.unavailable) }
        guard let server else { return }
        await server.group.triggerGracefulShutdown()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await server.task.value }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        server.task.cancel()
    }

    static let unavailable = APIError(status: 503, message: "connwatch is shutting down").response

    /// Answers one request: `Host` and `Origin` first (``APIRequestGuard``), then the route, the
    /// token, the body and its content type; `HEAD` is answered as `GET` without the body.
    private func respond(to request: Request) async -> Response {
        let response = await answer(request)
        return request.method == .head ? response.createHeadResponse() : response
    }

    private func answer(_ request: Request) async -> Response {
        let headers = APIRequestHeaders(
            host: request.head.authority,
            origin: request.headers[.origin],
            contentType: request.headers[.contentType]
        )
        let path = request.uri.path
        let route: APIRoute
        do {
            try requestGuard.checkSource(headers)
            route = try APIRoute.resolve(method: request.method.rawValue, path: path)
        } catch {
            return Self.response(error.response)
        }
        if let token, !route.isPublic, !BearerToken.authorizes(header: request.headers[.authorization], token: token) {
            let error = APIError(
                status: 401,
                message: "a bearer token is required (Authorization: Bearer …)",
                headers: ["WWW-Authenticate": "Bearer realm=\"connwatch\""]
            )
            return Self.response(error.response)
        }
        if route == .healthy { return Self.response(.text("connwatch is healthy\n")) }
        if case .console(let asset) = route { return Self.response(asset.response) }
        var body: [UInt8] = []
        if APIRequestGuard.stateChangingMethods.contains(request.method.rawValue) {
            do {
                let buffer = try await request.body.collect(upTo: Self.maximumBodySize)
                body = Array(buffer.readableBytesView)
            } catch {
                return Self.response(APIError(status: 413, message: "the body is larger than 64 KiB").response)
            }
        }
        let apiRequest = APIRequest(
            method: request.method.rawValue,
            path: path,
            query: request.uri.query ?? "",
            body: body,
            headers: headers
        )
        do {
            try APIRequestGuard.checkContentType(apiRequest, route: route)
        } catch {
            return Self.response(error.response)
        }
        return Self.response(await dispatch(apiRequest))
    }

    private func dispatch(_ request: APIRequest) async -> APIResponse {
        await withCheckedContinuation { (continuation: CheckedContinuation<APIResponse, Never>) in
            let id = outstanding.withLock { state in
                state.next += 1
                state.waiting[state.next] = continuation
                return state.next
            }
            let reply: @Sendable (APIResponse) -> Void = { [self] response in
                let waiting = outstanding.withLock { $0.waiting.removeValue(forKey: id) }
                waiting?.resume(returning: response)
            }
            if !forward(request, reply) { reply(Self.unavailable) }
        }
    }

    private static func response(_ response: APIResponse) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = response.contentType
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPFields.Element.Name(name) { headers[field] = value }
        }
        return Response(
            status: .init(code: response.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body))
        )
    }
}
