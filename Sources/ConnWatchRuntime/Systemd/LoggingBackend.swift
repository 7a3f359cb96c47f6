import Foundation
import Glibc
import Logging

/// Chooses where logs go: natively to the journal when standard error is already the journal's stream
/// (the service runs under systemd with `StandardError=journal`), otherwise as text lines to standard error.
public enum LoggingBackend {
    /// Whether `$JOURNAL_STREAM` (`<st_dev>:<st_ino>` in decimal) names the file behind fd 2.
    /// The variable alone is not enough: a parent may have redirected stderr since.
    public static func stderrIsJournal(environment: [String: String]) -> Bool {
        stderrIsJournal(environment: environment, fileDescriptor: 2)
    }

    static func stderrIsJournal(environment: [String: String], fileDescriptor: Int32) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(fileDescriptor, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// Makes the handler for one logger: ``JournalLogHandler`` when `journal` is true, else ``StderrLogHandler``.
    public static func makeHandler(
        label: String,
        identifier: String,
        level: Logger.Level,
        journal: Bool
    ) -> any LogHandler {
        if journal {
            return JournalLogHandler(label: label, identifier: identifier, logLevel: level)
        }
        return StderrLogHandler(label: label, logLevel: level)
    }

    /// Bootstraps swift-log once for the process, choosing the backend from the process environment.
    /// `identifier` becomes `SYSLOG_IDENTIFIER`; `level` is the minimum level of every logger.
    public static func bootstrap(identifier: String, level: Logger.Level) {
        let journal = stderrIsJournal(environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { label in
            makeHandler(label: label, identifier: identifier, level: level, journal: journal)
        }
    }
}
