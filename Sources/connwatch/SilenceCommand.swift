import ArgumentParser
import ConnWatchCore
import ConnWatchRuntime
import Foundation

extension ConnWatchCommand {
    struct Silence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add, list and expire silences in the running daemon.",
            subcommands: [Add.self, List.self, Expire.self],
            defaultSubcommand: List.self
        )

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Silence alerts whose labels match every matcher (client_id=d:org:type:dev, type_id=~sensor.*)."
            )

            @OptionGroup var api: APIOptions

            @Argument(help: "Matchers: name=value, name!=value, name=~regex, name!~regex.")
            var matchers: [String]

            @Option(help: "How long the silence lasts (e.g. 2h); default 1h unless --end is given.")
            var duration: String?

            @Option(help: "When the silence ends (ISO 8601 with a zone).")
            var end: String?

            @Option(help: "Why the silence exists.")
            var comment = ""

            @Option(help: "Who creates it (default: $USER).")
            var author: String?

            func validate() throws {
                if matchers.isEmpty { throw ValidationError("name at least one matcher") }
                for text in matchers {
                    do {
                        _ = try LabelMatcher(parsing: text)
                    } catch {
                        throw ValidationError("\(error)")
                    }
                }
                if duration != nil && end != nil { throw ValidationError("give --duration or --end, not both") }
                if let duration, (DurationText.parse(duration) ?? 0) <= 0 {
                    throw ValidationError("--duration '\(duration)' is not a duration (e.g. 2h)")
                }
                if let end, Timestamp.parseISO8601(end) == nil {
                    throw ValidationError("--end '\(end)' is not an ISO 8601 time with a zone")
                }
            }

            func run() async throws {
                let now = nowMilliseconds()
                let endsAt =
                    end.flatMap { Timestamp.parseISO8601($0) } ?? now
                    + (duration.flatMap(DurationText.parse) ?? 3_600_000)
                let body = SilencesJSON.postBody(
                    matchers: matchers.compactMap { try? LabelMatcher(parsing: $0) },
                    endsAt: endsAt,
                    comment: comment,
                    createdBy: author ?? ProcessInfo.processInfo.environment["USER"] ?? ""
                )
                try await api.withClient { client throws(APIClientError) in
                    let body = try await client.send("POST", "/api/v1/silences", body: body)
                    struct Created: Decodable { var silenceID: String }
                    guard let created = try? JSONDecoder().decode(Created.self, from: Data(body)) else {
                        throw APIClientError(
                            status: 200,
                            message: "unexpected answer: \(String(decoding: body, as: UTF8.self))"
                        )
                    }
                    print(TerminalText.escape(created.silenceID))
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the silences (configuration and API).")

            @OptionGroup var api: APIOptions

            @Flag(help: "Print JSON instead of a table.")
            var json = false

            func run() async throws {
                try await api.show("/api/v1/silences", json: json, as: [SilenceItem].self) { silences in
                    CLIViews.silencesTable(silences, now: nowMilliseconds())
                }
            }
        }

        struct Expire: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "End a silence made through the API now.")

            @OptionGroup var api: APIOptions

            @Argument(help: "The silence id (connwatch silence list shows it).")
            var id: String

            func run() async throws {
                try await api.withClient { client throws(APIClientError) in
                    _ = try await client.send("DELETE", "/api/v1/silences/\(APIClient.encode(id))")
                    print("expired \(TerminalText.escape(id))")
                }
            }
        }
    }
}
