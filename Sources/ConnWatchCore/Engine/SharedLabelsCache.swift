/// Hands out one ``SharedClientLabels`` per distinct label set. Bounded like ``TextCache``.
public struct SharedLabelsCache: Sendable {
    private var known: [SharedClientLabels.Key: SharedClientLabels] = [:]
    let limit: Int

    public init(limit: Int = 4096) {
        self.limit = limit
    }

    /// Instances met before (shared by another cache, such as a store reader's) and the one this
    /// cache hands out for each; held strongly, so an address is never reused while it is a key.
    private var met: [ObjectIdentifier: (met: SharedClientLabels, shared: SharedClientLabels)] = [:]

    /// The shared instance equal to `labels` (`labels` itself the first time).
    mutating func shared(_ labels: SharedClientLabels) -> SharedClientLabels {
        if let alias = met[ObjectIdentifier(labels)] { return alias.shared }
        let key = labels.key
        let shared = known[key] ?? labels
        if known.count < limit { known[key] = shared }
        if met.count < limit { met[ObjectIdentifier(labels)] = (labels, shared) }
        return shared
    }

    /// The shared instance with these labels; made only the first time they are seen.
    mutating func shared(_ key: SharedClientLabels.Key) -> SharedClientLabels {
        if let existing = known[key] { return existing }
        let labels = SharedClientLabels(orgID: key.orgID, typeID: key.typeID, appID: key.appID, broker: key.broker)
        if known.count < limit { known[key] = labels }
        return labels
    }

    var count: Int { known.count }

    /// The organisation every label set names, when there is one only and every label set made
    /// is known (none was left out over the limit); `nil` otherwise.
    var onlyOrganisation: String? {
        guard known.count < limit, let first = known.keys.first?.orgID else { return nil }
        return known.keys.allSatisfy { $0.orgID == first } ? first : nil
    }
}
