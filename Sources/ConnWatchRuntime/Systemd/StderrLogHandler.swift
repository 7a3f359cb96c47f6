import ConnWatchCore
import Glibc
import Logging

/// A swift-log handler that writes one line per entry to standard error with `write(2)`:
/// `<N>message key=value key2="value with spaces"`, where `N` is the syslog priority (journald's stream
/// reader strips the prefix and uses it as `PRIORITY`). Metadata is sorted by key; control characters
/// (newlines included) are escaped so every entry stays on one line and shows as text.
public struct StderrLogHandler: LogHandler {
    /// The minimum level logged.
    public var logLevel: Logger.Level
    /// Metadata attached to every entry of this handler.
    public var metadata: Logger.Metadata
    /// Contextual metadata looked up for every entry.
    public var metadataProvider: Logger.MetadataProvider?
    private let fileDescriptor: Int32

    /// Creates a handler writing to fd 2. `label` is the swift-log logger label (not printed).
    public init(label: String, logLevel: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, logLevel: logLevel, metadataProvider: metadataProvider, fileDescriptor: 2)
    }

    init(label: String, logLevel: Logger.Level, metadataProvider: Logger.MetadataProvider?, fileDescriptor: Int32) {
        self.logLevel = logLevel
        self.metadata = [:]
        self.metadataProvider = metadataProvider
        self.fileDescriptor = fileDescriptor
    }

    /// Accesses one entry of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Formats `event` and writes it with a single `write(2)` (retried on partial writes and `EINTR`).
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let own = event.metadata {
            merged.merge(own) { _, new in new }
        }
        if let error = event.error {
            merged["error"] = .string(String(describing: error))
        }
        let line = Self.formatLine(level: event.level, message: event.message.description, metadata: merged)
        Self.writeAll(Array(line.utf8), to: fileDescriptor)
    }

    /// The line for one entry, including the trailing newline (pure). The message, keys and values
    /// go through ``TerminalText/escape(_:keepingLineBreaks:)`` (client ids and topics come from the
    /// feed): control characters and bidi overrides are written as `\n`, `\u{1b}`, … so an entry is
    /// one line and cannot rewrite the terminal showing it.
    public static func formatLine(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var line = "<\(JournalLogHandler.syslogPriority(level))>"
        line += TerminalText.escape(message)
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            line += " \(TerminalText.escape(key))=\(TerminalText.escape(quoteIfNeeded(value.description)))"
        }
        line += "\n"
        return line
    }

    /// `value`, or `"value"` with `"` and `\` escaped when it is empty or holds whitespace, `"` or `=`.
    private static func quoteIfNeeded(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0.isWhitespace || $0 == "\"" || $0 == "=" }
        guard needsQuotes else { return value }
        var result = "\""
        for character in value {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            default: result.append(character)
            }
        }
        result += "\""
        return result
    }

    private static func writeAll(_ bytes: [UInt8], to fileDescriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = write(fileDescriptor, base + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
