import ArgumentParser
import ConnWatchCore
import ConnWatchRuntime
import Foundation

/// Where the daemon's API is: the configuration file's `api:` section, or `--url`.
struct APIOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "The configuration file (its api: section says where the daemon listens).")
    var config: String = ConfigFile.defaultPath

    @Option(
        help: """
            The API's base URL, e.g. http://127.0.0.1:9467 (default: $CONNWATCH_URL, else the \
            configuration's api: section, read even when the rest of the file has problems).
            """
    )
    var url: String?

    /// Runs `body` with a client for the daemon; prints API errors and exits with
    /// ``ExitStatus/of(_:)`` on them (78 when the configuration does not say where the API is).
    func withClient(_ body: (APIClient) async throws(APIClientError) -> Void) async throws {
        let client: APIClient
        do {
            let target = try APIClient.forConfiguration(path: config, url: url)
            if let note = target.note { printError("connwatch: note: \(note)") }
            client = target.client
        } catch {
            printError("connwatch: \(error)")
            throw ExitCode(ExitStatus.config)
        }
        defer { client.shutdown() }
        do {
            try await body(client)
        } catch {
            printError("connwatch: \(error)")
            throw ExitCode(ExitStatus.of(error))
        }
    }
}

extension APIOptions {
    /// `GET path`, printed as the API's JSON (`json`) or decoded as `Value` and rendered for people.
    func show<Value: Decodable>(
        _ path: String,
        json: Bool,
        as type: Value.Type,
        render: @escaping (Value) -> String
    )
        async throws
    {
        try await withClient { client throws(APIClientError) in
            if json {
                printJSON(try await client.send("GET", path))
            } else {
                print(render(try await client.get(type, path)), terminator: "")
            }
        }
    }
}

/// Writes `text` and a line break to standard error, control characters escaped (API error
/// messages can quote client ids from the feed).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((TerminalText.escape(text, keepingLineBreaks: true) + "\n").utf8))
}

/// Prints the API's JSON as sent, except that control characters and bidi overrides inside its
/// strings are written as JSON escapes: the same document, safe on a terminal.
func printJSON(_ body: [UInt8]) {
    printJSON(String(decoding: body, as: UTF8.self))
}

/// Prints JSON text with ``TerminalText/escapeJSON(_:)``.
func printJSON(_ text: String) {
    print(TerminalText.escapeJSON(text))
}

func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

extension ConnWatchCommand {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the connection state of every client, or of one, from the running daemon."
        )

        @OptionGroup var api: APIOptions

        @Argument(help: "A full client id (d:org:type:device); without it, every client.")
        var clientID: String?

        @Flag(help: "Only connected clients.")
        var connected = false

        @Flag(help: "Only disconnected clients.")
        var disconnected = false

        @Option(help: "Only clients active within this long (e.g. 30m, 2d).")
        var since: String?

        @Option(help: "Only clients of this device or gateway type id.")
        var type: String?

        @Option(help: "Only clients reported by the broker of this name (its mqtt name in the configuration).")
        var broker: String?

        @Flag(help: "Print JSON (the API's items) instead of a table.")
        var json = false

        func validate() throws {
            if connected && disconnected { throw ValidationError("--connected and --disconnected exclude each other") }
            if broker?.isEmpty == true { throw ValidationError("--broker needs a broker's name") }
            if let since, DurationText.parse(since) == nil {
                throw ValidationError("--since '\(since)' is not a duration (e.g. 30m, 2d)")
            }
        }

        func run() async throws {
            try await api.withClient { client throws(APIClientError) in
                let now = nowMilliseconds()
                if let clientID {
                    let path = "/api/v0002/clientconnectionstates/\(APIClient.encode(clientID))"
                    if json {
                        printJSON(try await client.send("GET", path))
                    } else {
                        print(
                            CLIViews.statusDetails(try await client.get(ClientStateItem.self, path), now: now),
                            terminator: ""
                        )
                    }
                    return
                }
                var query = ["_limit=100"]
                if connected { query.append("connectionStatus=connected") }
                if disconnected { query.append("connectionStatus=disconnected") }
                if let since, let duration = DurationText.parse(since) {
                    query.append("lastActivityAfter=\(Timestamp.formatISO8601(milliseconds: now - duration))")
                }
                if let type { query.append("typeId=\(APIClient.encode(type))") }
                if let broker { query.append("broker=\(APIClient.encode(broker))") }
                var items: [ClientStateItem] = []
                var raw: [String] = []
                var bookmark: String?
                repeat {
                    let target =
                        "/api/v0002/clientconnectionstates?"
                        + (query + (bookmark.map { ["_bookmark=\($0)"] } ?? []))
                        .joined(separator: "&")
                    let body = try await client.send("GET", target)
                    let page: ClientStatePageItem
                    do {
                        page = try JSONDecoder().decode(ClientStatePageItem.self, from: Data(body))
                    } catch {
                        throw APIClientError(status: 200, message: "unexpected answer: \(error)")
                    }
                    items += page.results
                    if json, let text = Self.results(of: body) { raw.append(text) }
                    bookmark = page.bookmark
                } while bookmark != nil
                if json {
                    printJSON("[" + raw.filter { !$0.isEmpty }.joined(separator: ",") + "]")
                } else {
                    // Why a feed is down comes first: with it down, the table below is stale.
                    if let body = try? await client.send("GET", "/api/v1/brokers"),
                        let brokers = BrokerStatusJSON.parse(body)
                    {
                        print(BrokerStatusJSON.downLines(brokers), terminator: "")
                    }
                    print(CLIViews.statusTable(items, now: now), terminator: "")
                }
            }
        }

        /// The inside of the `results` array of a page, as sent.
        static func results(of body: [UInt8]) -> String? {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                let results = object["results"] as? [Any],
                let data = try? JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
            else { return nil }
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a client's connection log, newest first.")

        @OptionGroup var api: APIOptions

        @Argument(help: "The full client id.")
        var clientID: String

        @Option(help: "How many entries (1–1000).")
        var limit = 50

        @Flag(help: "Print JSON instead of lines.")
        var json = false

        func run() async throws {
            let target = "/api/v0002/logs/connection?clientId=\(APIClient.encode(clientID))&limit=\(limit)"
            try await api.show(target, json: json, as: [ConnectionLogItem].self, render: CLIViews.logLines)
        }
    }

    struct Alerts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the open alerts, marking silenced and inhibited ones."
        )

        @OptionGroup var api: APIOptions

        @Option(help: "Only the alerts about this client id.")
        var client: String?

        @Option(help: "List at most this many alerts, firing first (1–10000).")
        var limit = 1_000

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            var target = "/api/v1/alerts?limit=\(limit)"
            if let client { target += "&client=\(APIClient.encode(client))" }
            try await api.show(target, json: json, as: [AlertItem].self) { alerts in
                CLIViews.alertsTable(alerts, now: nowMilliseconds())
            }
        }
    }
}
