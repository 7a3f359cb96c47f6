import ConnWatchCore
import Dispatch
import Foundation
import Logging
import Synchronization

/// The running service: broker feeds in, engine in the middle, notifications out.
///
/// One task owns the engine. Everything else — MQTT messages, timer wake-ups, signals, watchdog
/// ticks — reaches it as an `Input` through one stream, so the engine needs no locks and sees
/// events in order.
public final class Daemon: Sendable {
    enum Input: Sendable {
        /// Messages or connection events wait in the feed inbox.
        case feed
        case tick
        /// Time to write what changed to the store (or the last write finished).
        case persist
        case watchdog
        case signal(Int32)
        /// A query API request, answered in the loop's task (`DaemonLoop+API.swift`).
        case api(APIRequest, reply: @Sendable (APIResponse) -> Void)
    }

    private let config: ConnWatchConfig
    private let configPath: String
    /// Where durable state lives (`$STATE_DIRECTORY` under systemd).
    private let stateDirectory: String
    private let logger: Logger
    private let notifier: ServiceNotifier
    private let environment: [String: String]

    public init(
        config: ConnWatchConfig,
        configPath: String,
        stateDirectory: String,
        logger: Logger,
        notifier: ServiceNotifier,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.config = config
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.logger = logger
        self.notifier = notifier
        self.environment = environment
    }

    /// Runs until SIGTERM or SIGINT. Throws only if start-up fails.
    public func run() async throws {
        let (inputs, input) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .unbounded)
        var trapped: [Int32] = [SIGTERM, SIGINT, SIGHUP]
        let debugHang = environment["CONNWATCH_DEBUG_HANG_SIGNAL"] == "SIGUSR2"
        if debugHang { trapped.append(SIGUSR2) }
        let signals = SignalWatcher(signals: trapped) { input.yield(.signal($0)) }
        defer { signals.cancel() }

        let loop = try await DaemonLoop.open(
            config: config,
            configPath: configPath,
            stateDirectory: stateDirectory,
            logger: logger,
            notifier: notifier,
            input: input
        )
        do {
            try await loop.startAPI()
        } catch {
            await loop.shutdown()
            throw error
        }
        var watchdog: Task<Void, Never>?
        if let interval = ServiceNotifier.watchdogInterval(environment, pid: getpid()) {
            logger.info("systemd watchdog enabled", metadata: ["interval": "\(interval)"])
            watchdog = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    input.yield(.watchdog)
                }
            }
        }
        defer { watchdog?.cancel() }
        loop.started()

        for await item in inputs {
            if case .signal(SIGUSR2) = item, debugHang {
                // Test hook for the watchdog: wedge the engine's loop for good.
                logger.warning("SIGUSR2: hanging the engine loop on purpose (CONNWATCH_DEBUG_HANG_SIGNAL)")
                while true { sleep(3600) }
            }
            if !(await loop.handle(item)) { break }
        }
        await loop.stopAPI()
        await loop.shutdown()
    }
}

/// The state the daemon's single task owns: configuration, engine, broker clients, delivery.
/// Not `Sendable` on purpose: only the task that runs the daemon touches it.
final class DaemonLoop {
    private(set) var config: ConnWatchConfig
    let configPath: String
    let stateDirectory: String
    let logger: Logger
    let notifier: ServiceNotifier
    let input: AsyncStream<Daemon.Input>.Continuation
    let http: CurlHTTPClient
    /// The SQLite store in the state directory: client state, alerts, notification log, outbox.
    let store: StateStore
    /// Group commit: what changed since the last write, and the writer that writes it.
    let writer: StateWriter
    var batch = StateBatch()
    /// When to hand what changed to the writer (`commitDelay` after the first change).
    var persistAt: Int64?
    /// A write runs; its end sends `.persist`.
    var awaitingWriter = false
    /// Answers to send once the next write has ended (requests whose change the store must show).
    var repliesAfterWrite: [@Sendable () -> Void] = []
    /// The silences created through the API as last handed to the store.
    var savedAPISilences: [Silence] = []
    /// The deliverer to wake after a write (it changes on reload, a write may end after that).
    let deliveryWake: DeliveryWake
    var delivery: NotificationDelivery
    var brokers: [BrokerFeed] = []
    let engine: Engine
    /// Route → group → inhibit → maintenance → silences → dedup, between the engine and the outbox.
    var pipeline: NotificationPipeline
    /// The query API's server and bookkeeping (`DaemonLoop+API.swift`).
    var api = APIState()
    var timer: DeadlineTimer
    var decodeErrors = RateLimitedCounter(interval: 10_000)
    /// Events too late to count: one journal line per interval, with how many were held back.
    var lateEvents = RateLimitedCounter(interval: 10_000)
    /// Real elapsed time for rules, whatever the wall clock does.
    let clock: ServiceClock
    /// The wall clock's distance from `clock` last reported (a jump is logged once).
    var reportedSkew: Int64 = 0
    /// When the wall clock was last compared with `clock` (at most once a second, on any input).
    var wallCheckedAt: Int64 = 0
    var changes: [AlertChange] = []
    /// Where the broker clients leave messages and connection events (`.feed` wakes the loop).
    let inbox: FeedInbox
    var inboxBuffer: [FeedInbox.Item] = []

    /// One watched broker: its client (which leaves its events in `inbox`), its decoder, and the
    /// health of its connection.
    struct BrokerFeed {
        var config: BrokerConfig
        var client: MosquittoClient
        var decoder: FeedDecoder
        var connection: BrokerConnectionState
        /// Which failed attempts get a journal line.
        var failureLog = ConnectFailureLog()
    }

    /// Opens the store (off the cooperative pool) and starts delivery and the broker feeds.
    static func open(
        config: ConnWatchConfig,
        configPath: String,
        stateDirectory: String,
        logger: Logger,
        notifier: ServiceNotifier,
        input: AsyncStream<Daemon.Input>.Continuation
    ) async throws -> DaemonLoop {
        let clock = ServiceClock()
        let start = clock.now()
        let opened = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { () throws(StateStore.OpenError) in
                        let store = try StateStore(directory: stateDirectory)
                        let engine = Engine(configuration: config.engine, startTime: start)
                        // What the last run knew: clients, counting windows, alerts people were
                        // told about. Alerts still firing are not told again (the notification log
                        // remembers them); those that no longer hold resolve.
                        var changes: [AlertChange] = []
                        do {
                            let restored = try store.restoreState(
                                into: engine,
                                now: start,
                                changes: &changes
                            )
                            return OpenedState(store: store, engine: engine, restored: restored, changes: changes)
                        } catch {
                            throw StateStore.OpenError(
                                path: store.path,
                                reason: "cannot read the saved state: \(error)"
                            )
                        }
                    }
                )
            }
        }
        return try DaemonLoop(
            config: config,
            configPath: configPath,
            stateDirectory: stateDirectory,
            clock: clock,
            opened: opened,
            logger: logger,
            notifier: notifier,
            input: input
        )
    }

    /// The store and the engine restored from it, handed from the opening thread to the loop.
    struct OpenedState: @unchecked Sendable {
        // @unchecked: the engine passes from the thread that restored it to the loop, which owns it.
        var store: StateStore
        var engine: Engine
        var restored: RestoredState
        var changes: [AlertChange]
    }

    init(
        config: ConnWatchConfig,
        configPath: String,
        stateDirectory: String,
        clock: ServiceClock,
        opened: OpenedState,
        logger: Logger,
        notifier: ServiceNotifier,
        input: AsyncStream<Daemon.Input>.Continuation
    ) throws {
        let store = opened.store
        self.clock = clock
        inbox = FeedInbox { input.yield(.feed) }
        self.store = store
        writer = StateWriter(store: store, logger: logger)
        self.config = config
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.logger = logger
        self.notifier = notifier
        self.input = input
        http = CurlHTTPClient(workers: 2, userAgent: "connwatch/\(ConnWatchVersion.current)")
        delivery = NotificationDelivery(
            targets: try DeliveryTarget.resolve(config, configPath: configPath),
            store: store,
            http: http,
            logger: logger,
            externalURL: "http://\(ProcessInfo.processInfo.hostName)"
        )
        deliveryWake = DeliveryWake(delivery)
        let start = opened.engine.startTime
        engine = opened.engine
        changes = opened.changes
        let saved = opened.restored
        pipeline = NotificationPipeline(config: config, log: saved.notificationLog)
        pipeline.setAPISilences(saved.silences)
        savedAPISilences = saved.silences
        pipeline.receive(saved.firing.map { AlertChange(alert: $0) }, now: start)
        if saved.clients > 0 || saved.savedAlerts > 0 {
            logger.notice(
                "state restored",
                metadata: [
                    "clients": "\(saved.clients)", "alerts_firing": "\(saved.firing.count)",
                    "alerts_resolved": "\(changes.count)", "counters": "\(saved.counters)",
                ]
            )
        }
        timer = DeadlineTimer { input.yield(.tick) }
        // Until a broker connects, its feed counts as down: no offline verdicts without a feed.
        for broker in config.brokers { engine.feedDown(broker.name, reason: "not connected yet", at: start) }
        brokers = try config.brokers.map { try startFeed($0) }
    }

    func started() {
        settle(now: clock.now())
        notifier.ready(status: statusLine())
        logger.notice(
            "connwatch started",
            metadata: [
                "brokers": "\(config.brokers.count)", "rules": "\(config.ruleCount)",
                "receivers": "\(config.receivers.count)",
                "startup_grace": "\(DurationText.format(milliseconds: config.defaults.startupGrace))",
            ]
        )
    }

    /// Handles one input; returns `false` when the daemon should stop.
    func handle(_ item: Daemon.Input) async -> Bool {
        let now = clock.now()
        switch item {
        case .feed:
            handleFeedInbox()
            settle(now: clock.now())
            return true
        case .tick:
            // The wake-up is spent: the timer is set again below, also if it came early.
            timer.fired()
            logger.debug(
                "timer wake-up",
                metadata: ["now": "\(now)", "next_deadline": "\(engine.nextDeadline.map { "\($0)" } ?? "none")"]
            )
        case .persist:
            // The last write ended: what gathered meanwhile goes now.
            awaitingWriter = false
            if engine.hasUnsavedChanges || !batch.isEmpty || writer.hasFailedBatch { persistAt = now }
        case .watchdog:
            notifier.watchdog()
            notifier.status(statusLine())
        case .api(let request, let reply) where Self.isConnectionLog(request):
            answerConnectionLog(request, now: now, reply: reply)
        case .api(let request, let reply):
            let response = await answer(request, now: now)
            if response.status == 200,
                case .forgetClient = try? APIRoute.resolve(method: request.method, path: request.path)
            {
                // Answered once the deletion is written, so the pages (read from the store) agree.
                repliesAfterWrite.append { reply(response) }
                persistAt = now
            } else {
                reply(response)
            }
        case .signal(let number):
            if number == SIGHUP {
                api.recordReload(await reload(now: now), at: now)
            } else {
                logger.notice("stopping on signal \(number)")
                return false
            }
        }
        settle(now: now)
        return true
    }

    /// After every input: fire what is due, run alert changes through the notifier, queue what
    /// changed for the store, and set the timer for the next deadline.
    func settle(now: Int64) {
        if now - wallCheckedAt >= 1000 {
            wallCheckedAt = now
            checkWallClock()
        }
        engine.advance(to: now, into: &changes)
        if !changes.isEmpty {
            for change in changes { announce(change) }
            pipeline.receive(changes, now: now)
            batch.add(changes)
            changes.removeAll(keepingCapacity: true)
            notifier.status(statusLine())
        }
        let flushes = pipeline.advance(to: now) { [engine] in engine.current($0, at: now) }
        if !flushes.isEmpty { batch.outbox += delivery.render(flushes.map(\.notification)) }
        if pipeline.apiSilences != savedAPISilences {
            savedAPISilences = pipeline.apiSilences
            batch.silences = savedAPISilences
        }
        if !awaitingWriter {
            if persistAt == nil && (engine.hasUnsavedChanges || !batch.isEmpty) { persistAt = now + Self.commitDelay }
            if let persistAt, persistAt <= now { persist(now: now) }
        }
        let deadlines = [engine.nextDeadline, pipeline.nextDeadline, awaitingWriter ? nil : persistAt].compactMap { $0 }
        timer.schedule(deadlines.min(), now: now)
    }

    /// How long (ms) changes gather before they are written; under load, everything that arrives
    /// while a write runs goes into the next one.
    static let commitDelay: Int64 = 50

    /// Hands what changed to the writer; its end sends `.persist`.
    func persist(now: Int64) {
        persistAt = nil
        takeUnsaved(now: now)
        guard !batch.isEmpty || writer.hasFailedBatch else {
            // Nothing to write: what waits for the write has nothing to wait for.
            let replies = repliesAfterWrite
            repliesAfterWrite = []
            for reply in replies { reply() }
            return
        }
        let wake = deliveryWake
        let input = self.input
        awaitingWriter = true
        let replies = repliesAfterWrite
        repliesAfterWrite = []
        writer.submit(
            batch,
            committed: { written in wake.wake(written.outbox.map(\.receiver)) },
            idle: {
                for reply in replies { reply() }
                input.yield(.persist)
            }
        )
        batch = StateBatch()
    }

    func takeUnsaved(now: Int64) {
        if engine.hasUnsavedChanges {
            let changes = engine.takeUnsaved(now: now)
            logForgotten(changes.forgotten)
            logLate(engine.takeLateEvents(), now: now)
            batch.add(changes)
        }
        batch.notificationLog.merge(pipeline.takeUnsavedLog()) { _, new in new }
        batch.now = now
    }

    func shutdown() async {
        notifier.stopping()
        timer.stop()
        for feed in brokers { stopFeed(feed) }
        // What arrived before the clients stopped still goes into the state saved below.
        while handleFeedInbox() > 0 {}
        let counters = engine.counters
        logger.notice(
            "engine counters",
            metadata: [
                "events": "\(counters.events)", "out_of_order": "\(counters.outOfOrder)",
                "duplicates": "\(counters.duplicates)", "too_late": "\(counters.tooLate)",
                "takeovers": "\(counters.takeovers)", "clients": "\(engine.clientCount)",
                "offline": "\(engine.disconnectedCount)",
            ]
        )
        takeUnsaved(now: clock.now())
        do {
            try writer.finish(batch)
            delivery.wake(batch.outbox.map(\.receiver))
            batch = StateBatch()
        } catch {
            logger.critical("cannot save the state at shutdown; changes since the last write are lost: \(error)")
        }
        await delivery.finish(timeout: .seconds(5))
        http.shutdown()
        logger.notice("connwatch stopped")
    }

    // MARK: Reload

    /// SIGHUP: re-read and validate the file; apply it only if it is valid. Client state and the
    /// alerts of unchanged rules survive; brokers and receivers that changed are reconnected.
    /// Returns `nil` when the new configuration applies, else why not.
    func reload(now: Int64) async -> String? {
        notifier.reloading(monotonicMicroseconds: ServiceNotifier.monotonicMicroseconds())
        defer { notifier.ready(status: statusLine()) }
        let newConfig: ConnWatchConfig
        do {
            newConfig = try ConfigFile.load(configPath)
        } catch {
            for problem in error.problems {
                logger.error("reload rejected, keeping the running configuration: \(problem)")
            }
            return error.problems.map(\.description).joined(separator: "\n")
        }
        for warning in newConfig.warnings { logger.warning("configuration warning: \(warning)") }
        let targets: [DeliveryTarget]
        do {
            targets = try DeliveryTarget.resolve(newConfig, configPath: configPath)
            var feeds: [BrokerFeed] = []
            for broker in newConfig.brokers {
                if let running = brokers.first(where: { $0.config == broker }) {
                    feeds.append(running)
                } else {
                    if !brokers.contains(where: { $0.config.name == broker.name }) {
                        engine.feedDown(broker.name, reason: "not connected yet", at: now)
                    }
                    feeds.append(try startFeed(broker))
                }
            }
            for feed in brokers where !newConfig.brokers.contains(feed.config) { stopFeed(feed) }
            brokers = feeds
        } catch {
            logger.error("reload failed, keeping the running configuration: \(error)")
            return "\(error)"
        }
        // Always a fresh deliverer: new receivers and secrets apply, and receivers disabled by a
        // 410 Gone are enabled again. One deliverer per outbox at a time: the old one stops (what it
        // has not sent stays pending) before the new one takes over.
        await delivery.finish(timeout: .seconds(5))
        delivery = NotificationDelivery(
            targets: targets,
            store: store,
            http: http,
            logger: logger,
            externalURL: "http://\(ProcessInfo.processInfo.hostName)"
        )
        deliveryWake.set(delivery)
        engine.reconfigure(newConfig.engine, now: now, into: &changes)
        pipeline.reconfigure(newConfig, now: now)
        let waitingForRestart = RestartOnlySettings.changes(
            running: api.settings ?? config.api,
            reloaded: newConfig.api
        )
        config = newConfig
        for change in waitingForRestart {
            logger.warning(
                "\(change) takes effect only after a restart (systemctl restart connwatch); the query API keeps its running settings",
                metadata: ["setting": "\(change.prefix { $0 != " " })"]
            )
        }
        logger.notice(
            "configuration reloaded",
            metadata: [
                "brokers": "\(newConfig.brokers.count)", "rules": "\(newConfig.ruleCount)",
                "receivers": "\(newConfig.receivers.count)",
            ]
        )
        return nil
    }

    // MARK: Brokers and receivers

    func startFeed(_ broker: BrokerConfig) throws -> BrokerFeed {
        let name = broker.name
        let inbox = self.inbox
        let client = try MosquittoClient(options: try Self.mqttOptions(for: broker, configPath: configPath)) {
            inbox.put($0, broker: name)
        }
        client.start()
        logger.info(
            "watching broker",
            metadata: [
                "broker": "\(broker.name)", "host": "\(broker.host)", "port": "\(broker.port)",
                "topics": "\(broker.subscriptions.map(\.topic).joined(separator: " "))",
            ]
        )
        return BrokerFeed(
            config: broker,
            client: client,
            decoder: FeedDecoder(subscriptions: broker.subscriptions),
            connection: BrokerConnectionState(broker: broker.name, startedAt: clock.now())
        )
    }

    func stopFeed(_ feed: BrokerFeed) {
        feed.client.shutdown()
        logger.info("broker connection closed", metadata: ["broker": "\(feed.config.name)"])
        for (subscription, counters) in feed.decoder.counters {
            logger.info(
                "feed counters",
                metadata: [
                    "broker": "\(feed.config.name)", "subscription": "\(subscription)",
                    "decoded": "\(counters.decoded)", "unknown_topics": "\(counters.unknownTopics)",
                    "undecodable": "\(counters.undecodable)",
                ]
            )
        }
    }

    static func mqttOptions(for broker: BrokerConfig, configPath: String) throws -> MQTTClientOptions {
        let base = (configPath as NSString).deletingLastPathComponent
        var options = MQTTClientOptions(host: broker.host, port: broker.port)
        options.clientID = broker.clientID
        options.cleanSession = broker.cleanSession
        options.protocolVersion = broker.protocolVersion == 5 ? .v5 : .v311
        options.keepAlive = Int(broker.keepAlive / 1000)
        options.username = broker.username
        if let file = broker.passwordFile {
            options.password = try ConfigFile.readSecret(ConfigFile.resolve(file, relativeTo: base))
        }
        options.subscriptions = broker.subscriptions.map { MQTTSubscription(filter: $0.topic, qos: $0.qos) }
        if let tls = broker.tls {
            options.tls = MQTTTLSOptions(
                caFile: tls.caFile.map { ConfigFile.resolve($0, relativeTo: base) },
                caPath: tls.caPath ?? (tls.caFile == nil ? "/etc/ssl/certs" : nil),
                certFile: tls.certFile.map { ConfigFile.resolve($0, relativeTo: base) },
                keyFile: tls.keyFile.map { ConfigFile.resolve($0, relativeTo: base) }
            )
        }
        return options
    }
}

/// The version `connwatch --version` prints.
public enum ConnWatchVersion {
    public static let current = "0.1.0"
}
