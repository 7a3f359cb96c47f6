import ConnWatchCore
import Logging

/// A swift-log handler that writes structured entries to the systemd journal with `sd_journal_sendv`.
///
/// Each entry carries `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`,
/// `LOG_SOURCE` (the swift-log source; `UNIT=` is deliberately not used), `ERROR` when the event has one,
/// and one field per metadata entry, its key sanitised by ``JournalFieldName/sanitize(_:)``.
public struct JournalLogHandler: LogHandler {
    /// Names the handler writes itself; metadata keys that sanitise to one of them get a `META_` prefix.
    static let reservedNames: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "SYSLOG_FACILITY", "SYSLOG_PID", "SYSLOG_TIMESTAMP",
        "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOG_SOURCE", "ERROR", "UNIT", "USER_UNIT",
    ]

    /// The `SYSLOG_IDENTIFIER` of every entry.
    public var identifier: String
    /// The minimum level logged.
    public var logLevel: Logger.Level
    /// Metadata attached to every entry of this handler.
    public var metadata: Logger.Metadata
    /// Contextual metadata looked up for every entry.
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler. `label` is the swift-log logger label (unused by the journal itself).
    public init(
        label: String,
        identifier: String = "connwatch",
        logLevel: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.identifier = identifier
        self.logLevel = logLevel
        self.metadata = [:]
        self.metadataProvider = metadataProvider
    }

    /// Accesses one entry of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Builds the entry for `event` and sends it.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let own = event.metadata {
            merged.merge(own) { _, new in new }
        }
        Self.entry(for: event, metadata: merged, identifier: identifier).send()
    }

    /// The syslog priority of a swift-log level: trace/debug 7, info 6, notice 5, warning 4, error 3, critical 2.
    public static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// The journal entry for `event` with the already merged `metadata` (pure; used by ``log(event:)``).
    ///
    /// Order: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`, `LOG_SOURCE`,
    /// `ERROR` (if any), then metadata sorted by original key.
    public static func entry(for event: LogEvent, metadata: Logger.Metadata, identifier: String) -> JournalEntry {
        var entry = JournalEntry()
        // MESSAGE is what `journalctl` prints (raw with `-o cat` or `--all`), so control characters
        // and bidi overrides are escaped; line breaks stay (journalctl indents continuation lines).
        // Metadata fields are stored as data, exactly as given.
        entry.append("MESSAGE", TerminalText.escape(event.message.description, keepingLineBreaks: true))
        entry.append("PRIORITY", String(syslogPriority(event.level)))
        entry.append("SYSLOG_IDENTIFIER", identifier)
        entry.append("CODE_FILE", event.file)
        entry.append("CODE_LINE", String(event.line))
        entry.append("CODE_FUNC", event.function)
        entry.append("LOG_SOURCE", event.source)
        if let error = event.error {
            entry.append("ERROR", String(describing: error))
        }
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            var name = JournalFieldName.sanitize(key)
            if reservedNames.contains(name) {
                name = String("META_\(name)".prefix(JournalFieldName.maximumLength))
            }
            entry.append(name, value.description)
        }
        return entry
    }
}
