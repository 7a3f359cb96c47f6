/// Splits a webhook URL into the part that may be shown (scheme and host) and the parts that may carry
/// secrets (user info, path, query, fragment), so errors can name the endpoint without leaking tokens.
struct URLRedaction: Sendable, Equatable {
    /// `scheme://host[:port]`, or `<invalid URL>` when no scheme separator is found.
    var origin: String
    /// Substrings of the URL that must not appear in messages, longest first.
    var secrets: [String]

    init(url: String) {
        guard let schemeEnd = url.firstRange(of: "://") else {
            origin = "<invalid URL>"
            secrets = url.isEmpty ? [] : [url]
            return
        }
        let scheme = url[url.startIndex..<schemeEnd.lowerBound].lowercased()
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[rest.startIndex..<authorityEnd]
        let tail = String(rest[authorityEnd...])
        var hidden: [String] = []
        var host = Substring(authority)
        if let at = authority.lastIndex(of: "@") {
            hidden.append(String(authority[authority.startIndex..<at]))
            host = authority[authority.index(after: at)...]
        }
        if tail.count > 1 {
            hidden.append(tail)
            // curl may quote the path without the query, or the query alone.
            for separator in ["?", "#"] {
                if let index = tail.firstIndex(of: Character(separator)) {
                    let before = String(tail[tail.startIndex..<index])
                    let after = String(tail[tail.index(after: index)...])
                    if before.count > 1 { hidden.append(before) }
                    if !after.isEmpty { hidden.append(after) }
                }
            }
        }
        origin = "\(scheme)://\(host)"
        secrets = hidden.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }

    /// `message` with every secret part of the URL replaced by `[redacted]`.
    func scrub(_ message: String) -> String {
        var result = message
        for secret in secrets {
            result = result.replacing(secret, with: "[redacted]")
        }
        return result
    }
}
