import ConnWatchCore
import Foundation
import Logging

/// The query API's side of the daemon's loop: the server starts after the loop opens and stops
/// before it shuts down. Pages of client states are read from the store on a reader connection, off
/// the loop, so a query never holds up ingestion whatever the fleet's size; every other request
/// arrives as a `Daemon.Input.api` and is answered here, in the loop's own task, from the engine and
/// the pipeline.
extension DaemonLoop {
    /// What the loop keeps for the API.
    struct APIState {
        var server: APIServer?
        /// The `api:` settings the server was started with; a reload cannot change them.
        var settings: APIConfig?
        var lastReloadSuccessful = true
        var lastReloadTime = WallClock.now()
        let startTime = WallClock.now()
        /// Remembers how the last reload went.
        mutating func recordReload(_ problem: String?, at now: Int64) {
            lastReloadSuccessful = problem == nil
            if problem == nil { lastReloadTime = now }
        }
    }

    /// Starts the API server if `api.enabled`; throws if it cannot listen (port in use, say).
    func startAPI() async throws {
        let settings = config.api
        api.settings = settings
        guard settings.enabled else { return }
        var token: String?
        if let file = settings.bearerTokenFile {
            let base = (configPath as NSString).deletingLastPathComponent
            token = try ConfigFile.readSecret(ConfigFile.resolve(file, relativeTo: base))
            if token?.isEmpty ?? true {
                throw APIServerError(
                    address: settings.listen,
                    port: settings.port,
                    reason: "the bearer token file is empty"
                )
            }
        }
        let input = self.input
        let store = self.store
        let server = APIServer(
            address: settings.listen,
            port: settings.port,
            token: token,
            allowedHosts: settings.allowedHosts,
            logger: logger
        ) {
            request,
            reply in
            if Self.isClientPage(request) {
                DispatchQueue.global().async { reply(Self.clientPage(request, store: store)) }
                return true
            }
            if case .terminated = input.yield(.api(request, reply: reply)) { return false }
            return true
        }
        try await server.start()
        api.server = server
        logger.info(
            "query API listening",
            metadata: [
                "address": "\(settings.listen)", "port": "\(settings.port)", "bearer_token": "\(token != nil)",
            ]
        )
    }

    /// Whether `request` asks for a page of client states.
    static func isClientPage(_ request: APIRequest) -> Bool {
        if case .clientStates = try? APIRoute.resolve(method: request.method, path: request.path) { return true }
        return false
    }

    /// A page of client states from the store's last commit: O(page + log n) for the id order and
    /// a status filter (an index), never a copy or sort of the whole table.
    static func clientPage(_ request: APIRequest, store: StateStore) -> APIResponse {
        do throws(APIError) {
            let query = try ClientStateQuery(try QueryParameters(parsing: request.query))
            do {
                return ClientStateJSON.page(try store.clientPage(query))
            } catch {
                throw APIError(status: 503, message: "the state store cannot be read now: \(error)")
            }
        } catch {
            return error.response
        }
    }

    /// Whether `request` asks for a connection log.
    static func isConnectionLog(_ request: APIRequest) -> Bool {
        if case .connectionLog = try? APIRoute.resolve(method: request.method, path: request.path) { return true }
        return false
    }

    /// `GET /api/v0002/logs/connection`: the client is found in the engine (by id, or by type and
    /// device id), and its log is read from the store off the loop, once what the loop holds of it
    /// is written (so the log shows every event the client's state shows).
    func answerConnectionLog(_ request: APIRequest, now: Int64, reply: @escaping @Sendable (APIResponse) -> Void) {
        let target: (ConnectionLogQuery, String)
        do throws(APIError) {
            target = try connectionLogTarget(try QueryParameters(parsing: request.query))
        } catch {
            reply(error.response)
            return
        }
        let store = self.store
        let read: @Sendable () -> Void = {
            DispatchQueue.global().async { reply(Self.connectionLog(target.0, clientID: target.1, store: store)) }
        }
        if awaitingWriter || engine.hasUnsavedChanges || !batch.isEmpty {
            repliesAfterWrite.append(read)
            persistAt = min(persistAt ?? now, now)
        } else {
            read()
        }
    }

    /// The query of a connection-log request and the id of the known client it names.
    private func connectionLogTarget(_ parameters: QueryParameters) throws(APIError) -> (ConnectionLogQuery, String) {
        let query = try ConnectionLogQuery(parameters)
        guard let client = query.find(byID: engine.client, byDevice: engine.client(typeID:deviceID:)) else {
            throw APIError.notFound("no such client is known")
        }
        return (query, client.clientID)
    }

    /// The entries of `clientID`'s saved log that `query` selects.
    static func connectionLog(_ query: ConnectionLogQuery, clientID: String, store: StateStore) -> APIResponse {
        do {
            return ConnectionLogQuery.render(
                query.entries(of: try store.connectionLog(of: clientID)),
                clientID: clientID
            )
        } catch {
            return APIError(status: 503, message: "the state store cannot be read now: \(error)").response
        }
    }

    /// Stops the API server (requests still waiting are answered 503).
    func stopAPI() async {
        await api.server?.stop()
        api.server = nil
    }

    /// Answers one API request in the loop's task.
    func answer(_ request: APIRequest, now: Int64) async -> APIResponse {
        do throws(APIError) {
            let route = try APIRoute.resolve(method: request.method, path: request.path)
            let parameters = try QueryParameters(parsing: request.query)
            switch route {
            case .clientStates:
                // Answered off the loop (`clientPage`); here only when asked directly.
                return Self.clientPage(request, store: store)
            case .clientState(let id):
                try parameters.requireKnown([])
                return ClientStateJSON.single(engine.client(id), id: id)
            case .forgetClient(let id):
                try parameters.requireKnown([])
                let before = changes.count
                guard !engine.forget([id], reason: "forgotten through the API", at: now, into: &changes).isEmpty else {
                    throw APIError.notFound("no client with id '\(id)' is known")
                }
                return ClientStateJSON.forgotten(id, resolvedAlerts: changes.count - before)
            case .connectionLog:
                // Answered off the loop (`answerConnectionLog`); here only when asked directly.
                let (query, clientID) = try connectionLogTarget(parameters)
                return Self.connectionLog(query, clientID: clientID, store: store)
            case .alerts:
                try parameters.requireKnown(["client", "limit"])
                let limit = try parameters.int("limit", in: 1...10_000, default: 1_000)
                if let client = try parameters.value("client") {
                    let own = engine.alerts(ofClient: client, at: now)
                    return AlertsJSON.render(
                        firing: own.firing,
                        pending: own.pending,
                        pipeline: pipeline,
                        now: now,
                        heldBack: own.heldBack,
                        limit: limit,
                        total: own.firing.count + own.pending.count
                    )
                }
                // The pending alerts are built only as far as the listing goes: each costs its
                // labels and fingerprint, and a rule can hold most of a large fleet pending.
                let firing = engine.firingAlerts
                return AlertsJSON.render(
                    firing: firing,
                    pending: engine.pendingAlerts(at: now, limit: max(0, limit - firing.count)),
                    pipeline: pipeline,
                    now: now,
                    heldBack: engine.heldBackAlerts,
                    limit: limit,
                    total: firing.count + engine.pendingCount
                )
            case .brokers:
                try parameters.requireKnown([])
                return BrokerStatusJSON.render(
                    brokers.map {
                        BrokerStatusItem(
                            name: $0.config.name,
                            connected: $0.connection.phase == .connected,
                            since: $0.connection.since,
                            failure: $0.connection.lastFailure,
                            consecutiveFailures: $0.connection.consecutiveFailures
                        )
                    }
                )
            case .fleet:
                try parameters.requireKnown([])
                return FleetCountsJSON.render(engine.fleetCounts)
            case .rules:
                try parameters.requireKnown([])
                return RulesJSON.render(
                    RulesJSON.items(engine.configuration),
                    firing: engine.firingAlerts,
                    pending: engine.pendingCountsByRule
                )
            case .status:
                try parameters.requireKnown([])
                return DaemonStatusJSON.render(statusSnapshot())
            case .console(let asset):
                return asset.response
            case .silences:
                try parameters.requireKnown([])
                return SilencesJSON.list(pipeline, now: now)
            case .createSilence:
                try parameters.requireKnown([])
                let silence = try SilencesJSON.parse(request.body, newID: UUID().uuidString.lowercased(), now: now)
                switch pipeline.addSilence(silence, now: now) {
                case .added: break
                case .fromConfiguration:
                    throw APIError(status: 409, message: "silence '\(silence.id)' comes from the configuration file")
                case .limitReached:
                    throw APIError(
                        status: 429,
                        message: "\(NotificationPipeline.maximumAPISilences) silences exist already; expire some first"
                    )
                }
                logger.notice(
                    "silence created",
                    metadata: [
                        "silence_id": "\(silence.id)", "matchers": "\(silence.matchers.map(\.description))",
                        "ends_at": "\(Timestamp.formatISO8601(milliseconds: silence.endsAt))",
                        "created_by": "\(silence.createdBy)",
                    ]
                )
                return SilencesJSON.created(silence.id)
            case .expireSilence(let id):
                try parameters.requireKnown([])
                let result = pipeline.expireSilence(id: id, at: now)
                if result == .expired { logger.notice("silence expired", metadata: ["silence_id": "\(id)"]) }
                return SilencesJSON.expired(result, id: id)
            case .metrics:
                try parameters.requireKnown([])
                return .text(MetricsText.render(metricsSnapshot(now: now)), contentType: MetricsText.contentType)
            case .healthy:
                return .text("connwatch is healthy\n")
            case .ready:
                return .text("connwatch is ready\n")
            case .reload:
                try parameters.requireKnown([])
                let problem = await reload(now: now)
                api.recordReload(problem, at: now)
                var writer = JSONWriter()
                writer.beginObject()
                writer.key("applied")
                writer.bool(problem == nil)
                if let problem { writer.field("error", problem) }
                writer.endObject()
                return .json(writer, status: problem == nil ? 200 : 500)
            }
        } catch {
            return error.response
        }
    }

    /// What `GET /api/v1/status` answers: version, reload, each configured receiver's deliveries.
    private func statusSnapshot() -> DaemonStatusJSON.Status {
        let counts = DeliveryStats.process.snapshot
        let last = DeliveryStats.process.last
        return DaemonStatusJSON.Status(
            version: ConnWatchVersion.current,
            startTime: api.startTime,
            lastReloadSuccessful: api.lastReloadSuccessful,
            lastReloadTime: api.lastReloadTime,
            // Counted per outbox queue: a receiver listing an Alertmanager cluster's peers shows each.
            receivers: config.receivers.flatMap { receiver in
                DeliveryTarget.queueNames(of: receiver).map { name in
                    DaemonStatusJSON.Receiver(
                        name: name,
                        type: receiver.type.rawValue,
                        sent: counts.sent[name] ?? 0,
                        failed: counts.failed[name] ?? 0,
                        last: last[name]
                    )
                }
            }
        )
    }

    private func metricsSnapshot(now: Int64) -> MetricsSnapshot {
        var snapshot = MetricsSnapshot(version: ConnWatchVersion.current, startTime: api.startTime)
        snapshot.clients = engine.clientCountsByStatus
        snapshot.feeds = brokers.flatMap { feed in
            feed.decoder.counters.map { entry in
                MetricsSnapshot.FeedCounters(
                    broker: feed.config.name,
                    subscription: entry.subscription,
                    decoded: entry.counters.decoded,
                    unknownTopics: entry.counters.unknownTopics,
                    undecodable: entry.counters.undecodable
                )
            }
        }
        snapshot.engine = engine.counters
        snapshot.alerts = [.firing: engine.firingCount, .pending: engine.pendingCount]
        snapshot.delivery = DeliveryStats.process.snapshot
        snapshot.brokers = brokers.map { ($0.config.name, $0.client.isConnected) }
        snapshot.connectFailures = brokers.map { ($0.config.name, $0.connection.failureCounts) }
        snapshot.silencesActive = pipeline.silences.silences.filter { $0.isActive(at: now) }.count
        snapshot.lastReloadSuccessful = api.lastReloadSuccessful
        snapshot.lastReloadTime = api.lastReloadTime
        return snapshot
    }
}
