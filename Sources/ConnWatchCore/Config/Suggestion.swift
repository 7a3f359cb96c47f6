/// "Did you mean": the allowed word closest to a mistyped one, if it is close enough.
enum Suggestion {
    /// A candidate that extends `word` (three letters or more), or the nearest one within an edit
    /// distance of a third of the word (at least 2); case is ignored.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        if lowered.count >= 3, let extended = candidates.first(where: { $0.lowercased().hasPrefix(lowered) }) {
            return extended
        }
        return nearest(to: word, among: candidates, within: max(2, word.count / 3))
    }

    /// The candidate at the smallest edit distance from `word`, case ignored, if that is at most `limit`;
    /// the first of several as near.
    static func nearest(to word: String, among candidates: [String], within limit: Int) -> String? {
        let lowered = Array(word.lowercased())
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            guard let distance = distance(lowered, Array(candidate.lowercased()), atMost: limit) else { continue }
            if distance < best?.distance ?? Int.max { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// The Levenshtein distance of `a` and `b`, or `nil` when it is more than `limit`. Words whose lengths
    /// differ by more than `limit` are not compared letter by letter (a long mistyped word costs nothing).
    static func distance(_ a: [Character], _ b: [Character], atMost limit: Int) -> Int? {
        guard abs(a.count - b.count) <= limit else { return nil }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count] <= limit ? previous[b.count] : nil
    }
}
