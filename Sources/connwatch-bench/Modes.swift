// The benchmark modes besides the in-process engine run (main.swift).
import ConnWatchCore
import ConnWatchRuntime
import Foundation
import Synchronization

/// `gen FILE COUNT CLIENTS`: writes COUNT payloads (one per line; clients take turns, connects and
/// disconnects alternate per round) for `mosquitto_pub -l` and the Python baselines.
func generateFile(path: String, count: Int, clients: Int) {
    let start = Int64(Date().timeIntervalSince1970 * 1000)
    var out: [UInt8] = []
    out.reserveCapacity(count * 240)
    for index in 0..<count {
        let client = index % clients
        let round = index / clients
        out += payload(client: client, connect: round.isMultiple(of: 2), time: start + Int64(index))
        out.append(UInt8(ascii: "\n"))
    }
    FileManager.default.createFile(atPath: path, contents: Data(out))
}

/// Messages counted by the feed consumer, read by its watchdog.
private let feedReceived = Atomic<Int>(0)
private let feedLastMicros = Atomic<Int>(0)

private func nowMicros() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return spec.tv_sec * 1_000_000 + spec.tv_nsec / 1000
}

/// `feed PORT COUNT`: connwatch's real pipeline — `MosquittoClient` (QoS 0 subscription, unbounded
/// event stream), the Watson IoT decoder and the engine with every rule kind — until COUNT messages
/// arrived or none came for 5 s. Prints `count=N last=UNIX-SECONDS decoded=N`.
func runFeed(port: Int, count: Int) async {
    let options = MQTTClientOptions(
        host: "127.0.0.1",
        port: port,
        clientID: "bench-connwatch",
        cleanSession: true,
        subscriptions: [MQTTSubscription(filter: "iot-2/type/+/id/+/mon", qos: 0)]
    )
    let client: MosquittoClient
    do {
        client = try MosquittoClient(options: options)
    } catch {
        print("feed: \(error)")
        return
    }
    let decoder = WatsonIoTDecoder()
    let engine = Engine(configuration: allRuleKinds, startTime: Int64(Date().timeIntervalSince1970 * 1000))
    engine.keepsLogForStore = false
    var changes: [AlertChange] = []
    var decoded = 0
    let watchdog = Task.detached {
        var lastSeen = 0
        while true {
            try? await Task.sleep(for: .milliseconds(500))
            let received = feedReceived.load(ordering: .relaxed)
            if received >= count { break }
            if received > 0 && nowMicros() - feedLastMicros.load(ordering: .relaxed) > 5_000_000 { break }
            if received == 0 { lastSeen += 1 }
            if lastSeen > 600 { break }  // nothing at all for 5 minutes
        }
        client.shutdown()
    }
    client.start()
    FileHandle.standardOutput.write(Data("ready\n".utf8))
    var received = 0
    for await event in client.events {
        guard case .message(let message) = event else { continue }
        if case .event(let status)? = try? decoder.decode(
            topic: message.topic,
            payload: message.payload,
            retained: message.retained,
            receivedAt: message.receivedAt
        ) {
            engine.handle(status, broker: "bench", now: message.receivedAt, into: &changes)
            decoded += 1
        }
        engine.advance(to: message.receivedAt, into: &changes)
        changes.removeAll(keepingCapacity: true)
        received += 1
        feedLastMicros.store(nowMicros(), ordering: .relaxed)
        feedReceived.store(received, ordering: .relaxed)
        if received >= count { break }
    }
    let last = Double(feedLastMicros.load(ordering: .relaxed)) / 1e6
    client.shutdown()
    _ = await watchdog.value
    print(String(format: "count=%d last=%.6f decoded=%d", received, last, decoded))
}

/// `memory CLIENTS [ROUNDS] [RULES]`: RSS growth of an engine after each of CLIENTS clients
/// connected and disconnected ROUNDS times (two log entries each round). Payloads are made one
/// at a time, so the growth is the engine's. RULES picks the rules of `allRuleKinds`: `all`
/// (the default), `none` (the client table alone), `offline`, `counting` or `fleet`; the
/// differences say what each family costs per client.
func runMemory(clients: Int, rounds: Int = 1, rules: String = "all") {
    let decoder = WatsonIoTDecoder()
    let start: Int64 = 1_790_000_000_000
    let configuration: EngineConfiguration
    switch rules {
    case "none": configuration = EngineConfiguration()
    case "offline": configuration = EngineConfiguration(offlineRules: allRuleKinds.offlineRules)
    case "counting": configuration = EngineConfiguration(countingRules: allRuleKinds.countingRules)
    case "fleet": configuration = EngineConfiguration(fleetRules: allRuleKinds.fleetRules)
    default: configuration = allRuleKinds
    }
    let engine = Engine(configuration: configuration, startTime: start)
    engine.keepsLogForStore = false
    var changes: [AlertChange] = []
    // Warm the allocator and the decoder with a throwaway client first.
    _ = try? decoder.decode(
        topic: topic(client: 0),
        payload: payload(client: 0, connect: true, time: start),
        retained: false,
        receivedAt: start
    )
    let before = residentBytes()
    let elapsed = ContinuousClock().measure {
        for pass in 0..<2 * max(rounds, 1) {
            let connect = pass % 2 == 0
            // One `Time` per pass: the feed's times are not what is measured here.
            let passStart = start + Int64(pass) * 3_600_000
            let stamp = Timestamp.formatISO8601(milliseconds: passStart)
            for client in 0..<clients {
                let time = passStart + Int64(client)
                if case .event(let event)? = try? decoder.decode(
                    topic: topic(client: client),
                    payload: payload(client: client, connect: connect, stamp: stamp),
                    retained: false,
                    receivedAt: time
                ) {
                    engine.handle(event, broker: "bench", now: time, into: &changes)
                }
                changes.removeAll(keepingCapacity: true)
            }
        }
    }
    let after = residentBytes()
    precondition(engine.clientCount == clients, "every client must be tracked")
    print(
        "  \(clients) clients tracked in \(String(format: "%.1f", seconds(elapsed))) s; RSS \(before / 1_048_576) → \(after / 1_048_576) MiB"
    )
    let suffix = (rounds > 1 ? "_\(2 * rounds)_events" : "") + (rules == "all" ? "" : "_\(rules)")
    print("  bytes per client (\(2 * max(rounds, 1)) events each): \((after - before) / clients)")
    figure("memory_bytes_per_client_\(clients)\(suffix)", Double(after - before) / Double(clients))
    figure("memory_rss_mib_\(clients)", Double(after) / 1_048_576)
}

/// The configuration of the storm and of the idle daemon: one broker on `port` with a Watson IoT
/// feed, an offline rule (for 5m) and a `fleet_offline` rule (50 % of a type, for 1m) that
/// inhibits it; alerts go to a webhook nobody listens on.
func benchConfig(port: Int, apiPort: Int? = nil, everyKind: Bool = false) -> String {
    var yaml = """
        mqtt:
          name: bench
          url: mqtt://127.0.0.1:\(port)
          client_id: connwatch-bench
          subscriptions:
            - topic: iot-2/type/+/id/+/mon
              format: watson-iot
              qos: 0
        defaults:
          startup_grace: 0s
          receivers: [hook]
        receivers:
          - name: hook
            type: webhook
            url: http://127.0.0.1:9/alerts
        rules:
          - name: sensor_offline
            kind: offline
            for: 5m
          - name: sensor_fleet_down
            kind: fleet_offline
            group_by: type_id
            ratio: 50%
            min_clients: 10
            for: 1m

        """
    if everyKind {
        yaml += """
              - { name: inactive, kind: inactive, for: 1d }
              - { name: kicked, kind: disconnects, count: 3, window: 15m, initiator: server }
              - { name: refused, kind: failed_connects, count: 5, window: 10m, group_by: address }
              - { name: flapping, kind: flapping, transitions: 6, window: 10m }

            """
    }
    if let apiPort { yaml += "api:\n  port: \(apiPort)\n" }
    return yaml
}

/// `storm CLIENTS`: CLIENTS connected clients all disconnect within one second, with a per-client
/// offline rule (for 5m) and a `fleet_offline` rule (50 % of a type, for 1m) that inhibits it.
/// Alert changes go through the notifier pipeline (grouping, inhibition, dedup) as in the daemon.
func runStorm(clients: Int) {
    let yaml = benchConfig(port: 1883)
    let config: ConnWatchConfig
    do {
        config = try ConfigLoader.load(text: yaml, file: "storm.yaml")
    } catch {
        print("storm: \(error)")
        return
    }
    let decoder = WatsonIoTDecoder()
    let start: Int64 = 1_790_000_000_000
    let engine = Engine(configuration: config.engine, startTime: start)
    engine.keepsLogForStore = false
    var pipeline = NotificationPipeline(config: config)
    var changes: [AlertChange] = []
    var alertChanges = 0
    var firing = 0
    func feed(_ connect: Bool, at base: Int64, spread: Int64) {
        for client in 0..<clients {
            let time = base + Int64(client) * spread / Int64(clients)
            if case .event(let event)? = try? decoder.decode(
                topic: topic(client: client),
                payload: payload(client: client, connect: connect, time: time),
                retained: false,
                receivedAt: time
            ) {
                engine.handle(event, broker: "bench", now: time, into: &changes)
            }
            engine.advance(to: time, into: &changes)
            alertChanges += changes.count
            firing += changes.filter { $0.alert.state == .firing }.count
            pipeline.receive(changes, now: time)
            changes.removeAll(keepingCapacity: true)
        }
    }
    feed(true, at: start, spread: 10_000)
    alertChanges = 0
    firing = 0
    var notifications = pipeline.advance(to: start + 20_000).count
    let stormStart = start + 3_600_000
    // Payload generation is part of the loop; it is measured alone below and subtracted.
    let generation = ContinuousClock().measure {
        for client in 0..<clients {
            _ = payload(client: client, connect: false, time: stormStart + Int64(client))
        }
    }
    // Past the offline rule's 5 minutes, the fleet rule's minute and the notifier's group_wait
    // and group_interval; later there are only repeat_interval reminders.
    let horizon: Int64 = 15 * 60_000
    let cpuBefore = cpuSeconds()
    notifications = 0
    let busy = ContinuousClock().measure {
        feed(false, at: stormStart, spread: 1000)
        // Then the clock runs on, as fast as the work allows, until nothing is scheduled any more.
        var now = stormStart + 1000
        while true {
            let next = [engine.nextDeadline, pipeline.nextDeadline].compactMap { $0 }.min()
            guard let next, next <= stormStart + horizon else { break }
            now = max(now, next)
            engine.advance(to: now, into: &changes)
            alertChanges += changes.count
            firing += changes.filter { $0.alert.state == .firing }.count
            pipeline.receive(changes, now: now)
            changes.removeAll(keepingCapacity: true)
            notifications += pipeline.advance(to: now).count
        }
    }
    let cpu = cpuSeconds() - cpuBefore
    let idleSeconds = max(seconds(busy) - seconds(generation), 0)
    print(
        "  \(clients) disconnects within 1 s; \(alertChanges) alert changes after them (\(firing) firing), \(notifications) notifications"
    )
    print(
        "  within 15 simulated minutes; firing alerts then: \(engine.firingAlerts.count)"
            + " (the per-client ones held back by the fleet alert)"
    )
    print(
        String(
            format:
                "  engine + notifier idle again after %.2f s of work (%.2f s CPU, payload generation %.2f s excluded)",
            idleSeconds,
            cpu,
            seconds(generation)
        )
    )
    print("  peak RSS \(peakResidentBytes() / 1_048_576) MiB")
    figure("storm_alert_changes", Double(alertChanges))
    figure("storm_notifications", Double(notifications))
    figure("storm_seconds_to_idle", idleSeconds)
    figure("storm_peak_rss_mib", Double(peakResidentBytes()) / 1_048_576)
}
