import ArgumentParser
import ConnWatchCore
import ConnWatchRuntime
import Foundation
import Logging

@main
struct ConnWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connwatch",
        abstract: "Watches MQTT client connection status and alerts chat tools when clients go offline.",
        discussion: ExitStatus.table,
        version: ConnWatchVersion.current,
        subcommands: [
            Run.self, Check.self, Status.self, Logs.self, Alerts.self, Silence.self, Forget.self, Render.self,
            SendTestCommand.self,
            TestRulesCommand.self, Export.self,
        ],
        defaultSubcommand: nil
    )
}

struct ConfigOption: ParsableArguments {
    @Option(name: [.short, .long], help: "The configuration file.")
    var config: String = ConfigFile.defaultPath
}

extension ConnWatchCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the daemon (what the systemd unit starts).")

        @OptionGroup var options: ConfigOption

        @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
        var logLevel: String = "info"

        @Option(help: "Where connwatch keeps its state (default: $STATE_DIRECTORY, else /var/lib/connwatch).")
        var stateDirectory: String?

        func run() async throws {
            let level = Logger.Level(rawValue: logLevel) ?? .info
            LoggingBackend.bootstrap(identifier: "connwatch", level: level)
            let logger = Logger(label: "connwatch")
            let config: ConnWatchConfig
            do {
                config = try ConfigFile.load(options.config)
            } catch {
                for problem in error.problems {
                    logger.critical("configuration error: \(problem)", metadata: ["config_file": "\(problem.file)"])
                }
                throw ExitCode(ExitStatus.config)
            }
            for warning in config.warnings {
                logger.warning("configuration warning: \(warning)", metadata: ["config_file": "\(warning.file)"])
            }
            let notifier = ServiceNotifier.fromEnvironment(ProcessInfo.processInfo.environment)
            let environment = ProcessInfo.processInfo.environment
            let stateDirectory =
                self.stateDirectory ?? environment["STATE_DIRECTORY"].flatMap {
                    $0.split(separator: ":").first.map(String.init)
                }
                ?? "/var/lib/connwatch"
            let daemon = Daemon(
                config: config,
                configPath: options.config,
                stateDirectory: stateDirectory,
                logger: logger,
                notifier: notifier
            )
            do {
                try await daemon.run()
            } catch let error as DeliveryTarget.ResolveError {
                // A secret the configuration names cannot be read: a configuration problem.
                logger.critical("configuration error: \(error)", metadata: ["config_file": "\(options.config)"])
                throw ExitCode(ExitStatus.config)
            } catch {
                logger.critical("cannot start: \(error)")
                throw ExitCode(ExitStatus.failure)
            }
        }
    }
}
