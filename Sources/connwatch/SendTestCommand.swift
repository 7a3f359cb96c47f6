import ArgumentParser
import ConnWatchCore
import ConnWatchRuntime
import Foundation

extension ConnWatchCommand {
    /// `connwatch send-test RECEIVER`: sends a sample firing and resolved notification.
    struct SendTestCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send-test",
            abstract: "Send a sample firing and resolved notification to a receiver and print the result."
        )

        @OptionGroup var options: ConfigOption

        @Argument(help: "The receiver's name.")
        var receiver: String

        func run() async throws {
            let config = try loadConfig(options.config)
            let target = try target(named: receiver, in: config, configPath: options.config, requireSecrets: true)
            let http = CurlHTTPClient(workers: 1, userAgent: "connwatch/\(ConnWatchVersion.current)")
            defer { http.shutdown() }
            // Every peer of an Alertmanager cluster, as the daemon posts to each.
            var results: [SendTest.Result] = []
            for peer in target.perPeer {
                results += await SendTest.run(
                    peer,
                    http: http,
                    externalURL: "http://\(ProcessInfo.processInfo.hostName)"
                )
            }
            var failed = false
            for result in results {
                let status = result.status.map { "HTTP \($0)" } ?? "no response"
                let verdict = result.succeeded ? "ok" : "FAILED"
                print(
                    "\(result.state.rawValue): \(verdict) — \(status) from \(result.endpoint) (webhook-id \(result.notificationID))"
                )
                if !result.detail.isEmpty { print("  \(TerminalText.escape(result.detail))") }
                failed = failed || !result.succeeded
            }
            if failed { throw ExitCode(ExitStatus.failure) }
        }
    }
}
