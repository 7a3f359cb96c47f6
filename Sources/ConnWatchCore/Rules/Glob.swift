/// A shell-style pattern: `*` matches any run of characters (also none), `?` exactly one,
/// everything else itself. Matching works on Unicode scalars and never backtracks more than once
/// per star, so it is linear in practice.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let scalars: [Unicode.Scalar]
    private let isLiteral: Bool

    public init(_ pattern: String) {
        self.pattern = pattern
        self.scalars = Array(pattern.unicodeScalars)
        self.isLiteral = !pattern.unicodeScalars.contains { $0 == "*" || $0 == "?" }
    }

    public var description: String { pattern }

    /// Whether `text` matches the whole pattern.
    public func matches(_ text: String) -> Bool {
        if isLiteral { return text == pattern }
        let input = Array(text.unicodeScalars)
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < input.count {
            if p < scalars.count && (scalars[p] == "?" || scalars[p] == input[t]) {
                p += 1
                t += 1
            } else if p < scalars.count && scalars[p] == "*" {
                starP = p
                starT = t
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < scalars.count && scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }
}
