// Part of the byte-level JSON reader (JSONScanner.swift): the hot-path code is hand-written for the
// decoder's measured budget (DESIGN.md §8).

/// Which containers enclose the current position, one bit per level (object = 1). The first 64 levels
/// live inline; deeper levels spill into an array, so ordinary payloads never allocate.
struct JSONContainerStack {
    private var inline: UInt64 = 0
    private var spill: [UInt64] = []
    private var depth = 0

    var isEmpty: Bool { depth == 0 }

    var topIsObject: Bool {
        let level = depth - 1
        if level < 64 { return (inline >> UInt64(level)) & 1 == 1 }
        let spilled = level - 64
        return (spill[spilled >> 6] >> UInt64(spilled & 63)) & 1 == 1
    }

    mutating func push(isObject: Bool) {
        if depth < 64 {
            let bit = UInt64(1) << UInt64(depth)
            if isObject { inline |= bit } else { inline &= ~bit }
        } else {
            let spilled = depth - 64
            let word = spilled >> 6
            let bit = UInt64(1) << UInt64(spilled & 63)
            if word == spill.count { spill.append(0) }
            if isObject { spill[word] |= bit } else { spill[word] &= ~bit }
        }
        depth += 1
    }

    mutating func pop() {
        depth -= 1
    }
}
