import ArgumentParser
import ConnWatchCore
import ConnWatchRuntime
import Foundation

extension ConnWatchCommand {
    struct Forget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget decommissioned clients in the running daemon.",
            discussion: """
                Each client leaves the state, the fleet counts and the store now; its open alerts \
                resolve (annotation resolved_reason). A client heard of again later is new. \
                defaults.forget_after does the same for clients silent that long.
                """
        )

        @OptionGroup var api: APIOptions

        @Argument(help: "The client ids.")
        var clientIDs: [String]

        func validate() throws {
            if clientIDs.isEmpty { throw ValidationError("name at least one client id") }
            if clientIDs.contains(where: \.isEmpty) { throw ValidationError("a client id must not be empty") }
        }

        func run() async throws {
            var unknown: [String] = []
            try await api.withClient { client throws(APIClientError) in
                for id in clientIDs {
                    do throws(APIClientError) {
                        _ = try await client.send("DELETE", "/api/v0002/clientconnectionstates/\(APIClient.encode(id))")
                        print("forgot \(TerminalText.escape(id))")
                    } catch  where error.status == 404 {
                        unknown.append(id)
                    }
                }
            }
            guard unknown.isEmpty else {
                for id in unknown { printError("no client with id '\(id)' is known") }
                throw ExitCode(ExitStatus.failure)
            }
        }
    }
}
