import CSystemd
import Glibc

/// One journal entry as a single contiguous buffer of `KEY=value` items, ready for `sd_journal_sendv`.
///
/// Values are passed unmodified (binary-safe, newlines allowed); names are expected to be valid
/// (see ``JournalFieldName``).
public struct JournalEntry: Sendable, Equatable {
    /// All items back to back, without separators.
    public private(set) var buffer: [UInt8] = []
    /// Where each item lies in ``buffer``.
    private var spans: [Range<Int>] = []

    /// Creates an empty entry.
    public init() {}

    /// Appends the item `name=value`.
    public mutating func append(_ name: String, _ value: String) {
        let start = buffer.count
        buffer.append(contentsOf: name.utf8)
        buffer.append(UInt8(ascii: "="))
        buffer.append(contentsOf: value.utf8)
        spans.append(start..<buffer.count)
    }

    /// The items as strings, in order (for tests and diagnostics).
    public var items: [String] {
        spans.map { String(decoding: buffer[$0], as: UTF8.self) }
    }

    /// The names of the items, in order.
    public var names: [String] {
        spans.map { span in
            let item = buffer[span]
            let end = item.firstIndex(of: UInt8(ascii: "=")) ?? item.endIndex
            return String(decoding: item[item.startIndex..<end], as: UTF8.self)
        }
    }

    /// Sends the entry with `sd_journal_sendv`; returns its result (0 also when journald is absent).
    @discardableResult
    public func send() -> Int32 {
        guard !spans.isEmpty else { return 0 }
        return buffer.withUnsafeBufferPointer { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return 0 }
            let vectors = spans.map { span in
                iovec(iov_base: UnsafeMutableRawPointer(mutating: base + span.lowerBound), iov_len: span.count)
            }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}
