import ArgumentParser
import ConnWatchCore
import Foundation

extension ConnWatchCommand {
    /// `connwatch export …`: connwatch's configuration in another program's terms.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print connwatch's configuration in another program's terms.",
            subcommands: [AlertmanagerConfig.self]
        )

        /// `connwatch export alertmanager-config`: an alertmanager.yml for connwatch's receivers and stages.
        struct AlertmanagerConfig: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "alertmanager-config",
                abstract:
                    "Print an alertmanager.yml with connwatch's receivers, routes, grouping, inhibit rules and "
                    + "maintenance windows.",
                discussion: """
                    Secrets are referenced as *_file paths, never copied. Receivers Alertmanager 0.25 \
                    cannot notify (teams, googlechat, rocketchat, ntfy, alertmanager, discord with its \
                    secret URL) are written without a configuration and a comment says why. Maintenance \
                    windows become time_intervals muting the routes; silences are not exported.
                    """
            )

            @OptionGroup var options: ConfigOption

            func run() throws {
                // Alertmanager, not connwatch, reads the credentials: they need not be there for connwatch.
                let config: ConnWatchConfig
                do {
                    let text = try String(contentsOfFile: options.config, encoding: .utf8)
                    config = try ConfigLoader.load(text: text, file: options.config)
                } catch let error as ConfigError {
                    for problem in error.problems {
                        FileHandle.standardError.write(Data((problem.description + "\n").utf8))
                    }
                    throw ExitCode(ExitStatus.config)
                } catch {
                    FileHandle.standardError.write(Data("\(options.config): \(error)\n".utf8))
                    throw ExitCode(ExitStatus.config)
                }
                let directory = (options.config as NSString).deletingLastPathComponent
                print(AlertmanagerConfigExport.render(config, configDirectory: directory), terminator: "")
            }
        }
    }
}
