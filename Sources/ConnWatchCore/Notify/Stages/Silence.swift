/// A silence: alerts whose labels match every matcher are not notified between `startsAt`
/// (inclusive) and `endsAt` (exclusive). Times are absolute instants, so daylight-saving changes do
/// not move them.
public struct Silence: Sendable, Equatable {
    /// Identifies the silence in logs and the API.
    public var id: String
    /// All must match for an alert to be silenced.
    public var matchers: [LabelMatcher]
    /// Milliseconds since the epoch, inclusive.
    public var startsAt: Int64
    /// Milliseconds since the epoch, exclusive.
    public var endsAt: Int64
    /// Why the silence exists.
    public var comment: String
    /// Who created it.
    public var createdBy: String

    public init(
        id: String,
        matchers: [LabelMatcher],
        startsAt: Int64,
        endsAt: Int64,
        comment: String = "",
        createdBy: String = ""
    ) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.comment = comment
        self.createdBy = createdBy
    }

    /// Whether the silence is in force at `now`.
    public func isActive(at now: Int64) -> Bool { startsAt <= now && now < endsAt }

    /// Whether the silence is in force at `now` and matches `labels`.
    public func silences(_ labels: LabelSet, at now: Int64) -> Bool {
        isActive(at: now) && matchers.allSatisfy { $0.matches(labels) }
    }
}

/// The silences in force: the silence stage of the pipeline.
public struct SilenceSet: Sendable, Equatable {
    /// Every silence, active or not.
    public var silences: [Silence]

    public init(_ silences: [Silence] = []) {
        self.silences = silences
    }

    /// Whether any silence mutes `labels` at `now`.
    public func isSilenced(_ labels: LabelSet, at now: Int64) -> Bool {
        silences.contains { $0.silences(labels, at: now) }
    }

    /// The ids of the silences that mute `labels` at `now`.
    public func silencingIDs(_ labels: LabelSet, at now: Int64) -> [String] {
        silences.filter { $0.silences(labels, at: now) }.map(\.id)
    }

    /// The silences that can still matter at `now` (not yet ended).
    public func pruned(at now: Int64) -> SilenceSet {
        SilenceSet(silences.filter { $0.endsAt > now })
    }
}
