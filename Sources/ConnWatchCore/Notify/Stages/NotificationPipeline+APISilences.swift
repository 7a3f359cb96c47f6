/// Silences made and expired at run time (the API), kept apart from the configuration file's so
/// that a reload keeps them. The owner of the pipeline persists `apiSilences`.
extension NotificationPipeline {
    /// What `expireSilence` did.
    public enum SilenceExpiry: Sendable, Equatable {
        /// The silence ends now.
        case expired
        /// It had already ended; nothing changed.
        case alreadyExpired
        /// No silence has the id.
        case notFound
        /// The silence comes from the configuration file: edit the file instead.
        case fromConfiguration
    }

    /// What `addSilence` did.
    public enum SilenceAddition: Sendable, Equatable {
        /// The silence is in the stage (new, or replacing the API silence with its id).
        case added
        /// A configuration-file silence has the id; nothing changed.
        case fromConfiguration
        /// `maximumAPISilences` are kept already; nothing changed.
        case limitReached
    }

    /// The most API silences kept (active, pending and recently expired), so that requests
    /// cannot grow memory without bound.
    public static let maximumAPISilences = 10_000

    /// How long an expired API silence is still listed.
    public static let expiredSilenceRetention: Int64 = 5 * 86_400_000

    /// The configuration file's silences.
    public var configSilences: [Silence] {
        silences.silences.filter { silence in !apiSilences.contains { $0.id == silence.id } }
    }

    /// Adds an API silence, or replaces the API silence with the same id, keeping at most `limit`.
    /// Silences that ended more than `expiredSilenceRetention` before `now` are forgotten.
    @discardableResult
    public mutating func addSilence(
        _ silence: Silence,
        now: Int64,
        limit: Int = maximumAPISilences
    ) -> SilenceAddition {
        if configSilences.contains(where: { $0.id == silence.id }) { return .fromConfiguration }
        var api = apiSilences.filter { $0.id != silence.id && $0.endsAt > now - Self.expiredSilenceRetention }
        guard api.count < limit else { return .limitReached }
        api.append(silence)
        setAPISilences(api)
        return .added
    }

    /// Ends the API silence `id` at `now` (one that has not started yet ends before it starts).
    public mutating func expireSilence(id: String, at now: Int64) -> SilenceExpiry {
        guard let position = apiSilences.firstIndex(where: { $0.id == id }) else {
            return configSilences.contains { $0.id == id } ? .fromConfiguration : .notFound
        }
        var api = apiSilences
        if api[position].endsAt <= now { return .alreadyExpired }
        api[position].endsAt = now
        api[position].startsAt = min(api[position].startsAt, now)
        setAPISilences(api)
        return .expired
    }

    /// Replaces the API silences (a restored store, say) and rebuilds the silence stage.
    public mutating func setAPISilences(_ api: [Silence]) {
        let config = configSilences
        apiSilences = api
        silences = SilenceSet(config + api)
    }
}
