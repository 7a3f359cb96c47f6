import ArgumentParser
import ConnWatchCore
import ConnWatchRuntime
import Foundation

extension ConnWatchCommand {
    /// `connwatch render --receiver NAME --alert FILE`: prints the request connwatch would send.
    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what would be sent to a receiver for the alerts in a JSON file.",
            discussion: """
                FILE holds one alert or an array of alerts in Alertmanager's shape: \
                {"status": "firing", "labels": {...}, "annotations": {...}, "startsAt": "...", "endsAt": "..."}.
                The URL is shown as scheme and host only.
                """
        )

        @OptionGroup var options: ConfigOption

        @Option(help: "The receiver's name.")
        var receiver: String

        @Option(help: "A JSON file with one alert or an array of alerts.")
        var alert: String

        func run() throws {
            let config = try loadConfig(options.config)
            let target = try target(named: receiver, in: config, configPath: options.config)
            let alerts = try AlertFile.read(alert)
            let notification = Notification(id: "render-\(receiver)", receiver: receiver, alerts: alerts)
            let requests = target.requests(notification, externalURL: "http://\(ProcessInfo.processInfo.hostName)")
            for (number, request) in requests.enumerated() {
                let message = request.message
                if number > 0 { print("") }
                if requests.count > 1 { print("# request \(number + 1) of \(requests.count)") }
                print("POST \(RedactedURL.describe(message.url))")
                print("Content-Type: \(message.contentType)")
                if message.omittedAlerts > 0 { print("# \(message.omittedAlerts) alert(s) beyond max_alerts left out") }
                print("")
                print(message.bodyText)
            }
        }
    }
}

/// Loads the configuration or exits 78 with every problem on stderr.
func loadConfig(_ path: String) throws -> ConnWatchConfig {
    do {
        return try ConfigFile.load(path)
    } catch {
        for problem in error.problems {
            FileHandle.standardError.write(Data((problem.description + "\n").utf8))
        }
        throw ExitCode(ExitStatus.config)
    }
}

/// The named receiver with its secrets resolved where they can be (rendering works without them).
func target(
    named name: String,
    in config: ConnWatchConfig,
    configPath: String,
    requireSecrets: Bool = false
) throws
    -> DeliveryTarget
{
    guard let receiver = config.receivers.first(where: { $0.name == name }) else {
        let known = config.receivers.map(\.name).joined(separator: ", ")
        FileHandle.standardError.write(Data("no receiver named '\(name)' (known: \(known))\n".utf8))
        throw ExitCode(ExitStatus.usage)
    }
    var single = config
    single.receivers = [receiver]
    do {
        if let target = try DeliveryTarget.resolve(single, configPath: configPath).first { return target }
    } catch {
        if requireSecrets {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(ExitStatus.config)
        }
    }
    return DeliveryTarget(
        receiver: receiver,
        url: receiver.url ?? "https://receiver.invalid/…",
        routingKey: "<routing key>"
    )
}

/// Alerts from an Alertmanager-shaped JSON file.
enum AlertFile {
    struct Problem: Error, CustomStringConvertible {
        var file: String
        var message: String
        var description: String { "\(file): \(message)" }
    }

    static func read(_ path: String) throws -> [Alert] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Problem(file: path, message: "cannot read: \(error.localizedDescription)")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw Problem(file: path, message: "is not JSON")
        }
        let objects: [[String: Any]]
        if let array = json as? [[String: Any]] {
            objects = array
        } else if let object = json as? [String: Any] {
            objects = (object["alerts"] as? [[String: Any]]) ?? [object]
        } else {
            throw Problem(file: path, message: "expected an alert object or an array of alerts")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try objects.enumerated().map { index, object in
            guard let labels = object["labels"] as? [String: String] else {
                throw Problem(file: path, message: "alert \(index + 1): 'labels' must be an object of strings")
            }
            let annotations = object["annotations"] as? [String: String] ?? [:]
            let starts = (object["startsAt"] as? String).flatMap(Timestamp.parseISO8601) ?? now
            let ends = (object["endsAt"] as? String).flatMap(Timestamp.parseISO8601)
            let status = object["status"] as? String ?? (ends == nil ? "firing" : "resolved")
            let state: AlertState = status == "resolved" ? .resolved : .firing
            return Alert(
                labels: LabelSet(labels),
                annotations: LabelSet(annotations),
                rule: labels["alertname"] ?? "alert",
                state: state,
                activeSince: starts,
                startsAt: starts,
                endsAt: state == .resolved ? (ends ?? now) : nil
            )
        }
    }
}
