import ArgumentParser
import ConnWatchCore
import ConnWatchRuntime
import Foundation

extension ConnWatchCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration file; print every problem as file:line:column: message.",
            discussion: """
                With --peer, the configuration of each other instance of an active-active setup is \
                compared with this one: every difference that would give their alerts other labels \
                (Alertmanager then notifies twice) or let one instance alert alone is a warning.
                """
        )

        @OptionGroup var options: ConfigOption

        @Flag(
            help: """
                Check systemd credentials (url_credential, …) against the connwatch.service unit \
                (LoadCredential= and drop-ins) instead of $CREDENTIALS_DIRECTORY.
                """
        )
        var forService = false

        @Option(help: "The unit file to check credentials against (default: the installed connwatch.service).")
        var unit: String?

        @Option(
            name: .customLong("peer"),
            help: ArgumentHelp(
                """
                The configuration file of another instance sending to the same Alertmanager cluster \
                (repeatable): warn about every difference in what goes into alert labels, the \
                clients rules watch and the Alertmanager peers. Its secret and TLS files are not \
                looked for here (check it on its own machine).
                """,
                valueName: "other-config"
            )
        )
        var peers: [String] = []

        func run() throws {
            let credentials = CredentialCheck.forEnvironment(
                ProcessInfo.processInfo.environment,
                forService: forService,
                unitPath: unit
            )
            var problems: [ConfigProblem] = []
            var loaded: ConnWatchConfig?
            var instances: [PeerComparison.Instance] = []
            do {
                let text = try ConfigFile.text(of: options.config)
                let config = try ConfigFile.load(options.config, credentials: credentials)
                loaded = config
                instances.append(PeerComparison.Instance(file: options.config, text: text, config: config))
            } catch {
                problems += error.problems
            }
            for path in peers {
                do {
                    // A peer's files are on its own machine: only what it says is read here.
                    let text = try ConfigFile.text(of: path)
                    let config = try ConfigLoader.load(text: text, file: path)
                    instances.append(PeerComparison.Instance(file: path, text: text, config: config))
                } catch {
                    problems += error.problems
                }
            }
            guard let config = loaded, problems.isEmpty else {
                for problem in problems {
                    FileHandle.standardError.write(Data((problem.description + "\n").utf8))
                }
                let count = problems.count
                FileHandle.standardError.write(Data("\(count) problem\(count == 1 ? "" : "s") found\n".utf8))
                throw ExitCode(ExitStatus.config)
            }
            let differences = instances.dropFirst().map { PeerComparison.differences(instances[0], $0) }
            for warning in config.warnings + differences.joined() {
                FileHandle.standardError.write(Data((warning.asWarning + "\n").utf8))
            }
            print(
                "\(options.config): OK — \(config.brokers.count) broker(s), \(config.receivers.count) receiver(s), "
                    + "\(config.ruleCount) rule(s)"
            )
            for (path, found) in zip(peers, differences) {
                print(
                    found.isEmpty
                        ? "\(path): same alerts as \(options.config)"
                        : "\(path): \(found.count) difference(s) from \(options.config) (warnings above)"
                )
            }
        }
    }
}
