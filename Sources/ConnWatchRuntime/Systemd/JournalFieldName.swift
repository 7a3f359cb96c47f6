/// Turns arbitrary swift-log metadata keys into valid journal field names.
///
/// journald silently drops fields whose names are invalid: a valid name is 1-64 characters of `A-Z`, `0-9`
/// and `_`, and does not start with `_` (reserved for trusted fields) or a digit.
public enum JournalFieldName {
    /// The longest field name journald accepts.
    public static let maximumLength = 64

    /// Uppercases `key`, maps every other character to `_`, prefixes `X` when the result would start with
    /// `_` or a digit (or be empty), and truncates to 64 characters. `client_id` → `CLIENT_ID`,
    /// `alert.fingerprint` → `ALERT_FINGERPRINT`, `_pid` → `X_PID`, `1st` → `X1ST`.
    public static func sanitize(_ key: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(key.utf8.count + 1, maximumLength))
        for scalar in key.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A, 0x30...0x39, 0x5F:  // A-Z 0-9 _
                bytes.append(UInt8(scalar.value))
            case 0x61...0x7A:  // a-z
                bytes.append(UInt8(scalar.value - 0x20))
            default:
                bytes.append(0x5F)
            }
            if bytes.count > maximumLength { break }
        }
        if let first = bytes.first, first == 0x5F || (0x30...0x39).contains(first) {
            bytes.insert(0x58, at: 0)  // X
        } else if bytes.isEmpty {
            bytes = [0x58]
        }
        return String(decoding: bytes.prefix(maximumLength), as: UTF8.self)
    }

    /// Whether journald would accept `name` as given.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= maximumLength else { return false }
        if first == 0x5F || (0x30...0x39).contains(first) { return false }
        return bytes.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }
}
