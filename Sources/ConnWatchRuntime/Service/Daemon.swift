import ConnWatchCore
import Dispatch
import Foundation
import Logging

/// The running service: broker feeds in, engine in the middle, notifications out.
///
/// One task owns the engine. Everything else — MQTT messages, timer wake-ups, signals — reaches
/// it as an `Input` through one stream, so the engine needs no locks and sees events in order.
public final class Daemon: Sendable {
    enum Input: Sendable {
        case message(broker: String, MQTTMessage)
        case feed(broker: String, MQTTEvent)
        case tick
        case signal(Int32)
    }

    private let config: ConnWatchConfig
    private let configPath: String
    /// Where durable state lives (`$STATE_DIRECTORY` under systemd).
    private let stateDirectory: String
    private let logger: Logger
    private let notifier: ServiceNotifier

    public init(
        config: ConnWatchConfig,
        configPath: String,
        stateDirectory: String,
        logger: Logger,
        notifier: ServiceNotifier
    ) {
        self.config = config
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.logger = logger
        self.notifier = notifier
    }

    /// Runs until SIGTERM or SIGINT. Throws only if start-up fails.
    public func run() async throws {
        let (inputs, input) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .unbounded)
        let signals = SignalWatcher(signals: [SIGTERM, SIGINT, SIGHUP]) { input.yield(.signal($0)) }

        let http = CurlHTTPClient(workers: 2, userAgent: "connwatch/\(ConnWatchVersion.current)")
        let delivery = try await NotificationDelivery(
            targets: try deliveryTargets(),
            stateDirectory: stateDirectory,
            http: http,
            logger: logger,
            externalURL: "http://\(ProcessInfo.processInfo.hostName)"
        )

        var clients: [(name: String, client: MosquittoClient, decoder: FeedDecoder)] = []
        var forwarders: [Task<Void, Never>] = []
        for broker in config.brokers {
            let client = try MosquittoClient(options: try mqttOptions(for: broker))
            clients.append((broker.name, client, FeedDecoder(subscriptions: broker.subscriptions)))
            let name = broker.name
            forwarders.append(
                Task {
                    for await event in client.events {
                        if case .message(let message) = event {
                            input.yield(.message(broker: name, message))
                        } else {
                            input.yield(.feed(broker: name, event))
                        }
                    }
                }
            )
            client.start()
            logger.info(
                "watching broker",
                metadata: [
                    "broker": "\(broker.name)", "host": "\(broker.host)", "port": "\(broker.port)",
                    "topics": "\(broker.subscriptions.map(\.topic).joined(separator: " "))",
                ]
            )
        }

        let engine = Engine(configuration: config.engine, startTime: WallClock.now())
        var timer = DeadlineTimer { input.yield(.tick) }
        var decodeErrors = RateLimitedCounter(interval: 10_000)
        var changes: [AlertChange] = []
        notifier.ready(status: statusLine(engine, clients: clients))
        logger.notice(
            "connwatch started",
            metadata: [
                "brokers": "\(config.brokers.count)", "rules": "\(config.offlineRules.count)",
                "receivers": "\(config.receivers.count)",
                "startup_grace": "\(DurationText.format(milliseconds: config.defaults.startupGrace))",
            ]
        )

        loop: for await item in inputs {
            let now = WallClock.now()
            switch item {
            case .message(let broker, let message):
                guard let decoder = clients.first(where: { $0.name == broker })?.decoder else { continue }
                do {
                    switch try decoder.decode(message) {
                    case .event(let event):
                        engine.handle(event, broker: broker, now: now, into: &changes)
                        logger.debug(
                            "status event",
                            metadata: [
                                "broker": "\(broker)", "client_id": "\(event.clientID)",
                                "action": "\(event.action.name)", "retained": "\(event.retained)",
                            ]
                        )
                    case .topicCleared(let topic):
                        logger.debug("retained status cleared", metadata: ["broker": "\(broker)", "topic": "\(topic)"])
                    }
                } catch {
                    if let suppressed = decodeErrors.record(now: now) {
                        logger.warning(
                            "undecodable status message skipped: \(error)",
                            metadata: [
                                "broker": "\(broker)", "topic": "\(message.topic)",
                                "bytes": "\(message.payload.count)", "suppressed": "\(suppressed)",
                            ]
                        )
                    }
                }
            case .feed(let broker, let event):
                logFeedEvent(event, broker: broker)
            case .tick:
                break
            case .signal(let number):
                if number == SIGHUP {
                    logger.warning(
                        "SIGHUP received: configuration reload is not supported yet; restart to apply changes"
                    )
                    continue
                }
                logger.notice("stopping on signal \(number)")
                break loop
            }
            engine.advance(to: now, into: &changes)
            if !changes.isEmpty {
                for change in changes { announce(change, delivery: delivery) }
                changes.removeAll(keepingCapacity: true)
                notifier.status(statusLine(engine, clients: clients))
            }
            timer.schedule(engine.nextDeadline, now: now)
        }

        notifier.stopping()
        timer.cancel()
        signals.cancel()
        for entry in clients { entry.client.shutdown() }
        for forwarder in forwarders { forwarder.cancel() }
        await delivery.finish(timeout: .seconds(5))
        http.shutdown()
        logger.notice("connwatch stopped")
    }

    private func announce(_ change: AlertChange, delivery: NotificationDelivery) {
        let alert = change.alert
        var metadata: Logger.Metadata = [
            "rule": "\(alert.rule)", "alert_fingerprint": "\(alert.fingerprint)",
            "alert_state": "\(alert.state.rawValue)",
        ]
        if let client = alert.labels["client_id"] { metadata["client_id"] = "\(client)" }
        let summary = alert.annotations["summary"] ?? alert.rule
        logger.notice("alert \(alert.state.rawValue): \(summary)", metadata: metadata)
        for notification in NotificationPlanner.notifications(for: change, config: config) {
            delivery.enqueue(notification)
        }
    }

    private func logFeedEvent(_ event: MQTTEvent, broker: String) {
        switch event {
        case .connected(let sessionPresent):
            logger.notice(
                "broker connected",
                metadata: ["broker": "\(broker)", "session_present": "\(sessionPresent)"]
            )
        case .connectFailed(let code, let reason):
            logger.error(
                "broker refused the connection: \(reason)",
                metadata: ["broker": "\(broker)", "code": "\(code)"]
            )
        case .disconnected(let code, let reason):
            logger.warning(
                "broker connection lost: \(reason); reconnecting",
                metadata: ["broker": "\(broker)", "code": "\(code)"]
            )
        case .message:
            break
        }
    }

    private func statusLine(
        _ engine: Engine,
        clients: [(name: String, client: MosquittoClient, decoder: FeedDecoder)]
    )
        -> String
    {
        let connected = clients.filter { $0.client.isConnected }.count
        return
            "\(engine.clientCount) clients, \(engine.disconnectedCount) offline, \(engine.firingCount) alerts firing, "
            + "\(connected)/\(clients.count) brokers connected"
    }

    private func deliveryTargets() throws -> [DeliveryTarget] {
        try DeliveryTarget.resolve(config, configPath: configPath)
    }

    private func mqttOptions(for broker: BrokerConfig) throws -> MQTTClientOptions {
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

/// Wakes the engine's task at the next deadline. Only one wake-up is outstanding at a time.
struct DeadlineTimer {
    private let fire: @Sendable () -> Void
    private var task: Task<Void, Never>?
    private var scheduled: Int64?

    init(fire: @escaping @Sendable () -> Void) {
        self.fire = fire
    }

    mutating func schedule(_ deadline: Int64?, now: Int64) {
        guard deadline != scheduled else { return }
        task?.cancel()
        scheduled = deadline
        guard let deadline else {
            task = nil
            return
        }
        let fire = self.fire
        let delay = max(deadline - now, 0)
        task = Task {
            try? await Task.sleep(for: .milliseconds(delay))
            if !Task.isCancelled { fire() }
        }
    }

    mutating func cancel() {
        task?.cancel()
        task = nil
    }
}

/// Lets one log line through per interval and counts what it held back.
struct RateLimitedCounter {
    let interval: Int64
    private var lastReport: Int64 = .min
    private var suppressed = 0
    private(set) var total = 0

    init(interval: Int64) {
        self.interval = interval
    }

    /// Records one occurrence; returns how many were suppressed since the last report when this
    /// one should be reported, or `nil` when it should stay quiet.
    mutating func record(now: Int64) -> Int? {
        total += 1
        if lastReport == .min || now - lastReport >= interval {
            let held = suppressed
            suppressed = 0
            lastReport = now
            return held
        }
        suppressed += 1
        return nil
    }
}

/// Turns POSIX signals into callbacks (on a Dispatch queue, never in a signal handler).
final class SignalWatcher: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "connwatch.signals")
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
