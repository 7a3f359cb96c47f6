/// The health of each broker's feed and the built-in `feed_down` alert.
extension Engine {
    // MARK: Feed health

    /// Whether a broker's feed is up (`true` for brokers never reported down).
    public func isFeedUp(_ broker: String) -> Bool {
        feeds.first { $0.broker == broker }?.up ?? true
    }

    /// The connection to `broker` is lost (or not there yet): offline alerts of its clients pause,
    /// and after `feedDownAfter` the built-in `feed_down` alert fires. `reason` is the latest
    /// failure (a ``BrokerFailure/description`` from the broker client): a feed already down keeps
    /// its time but takes the newer reason, so the alert says why the feed is down now.
    public func feedDown(_ broker: String, reason: String, at time: Int64) {
        let position = feedIndex(broker)
        guard feeds[position].up else {
            feeds[position].reason = reason
            return
        }
        feeds[position].up = false
        feeds[position].since = time
        feeds[position].reason = reason
        if configuration.feedDownAfter > 0 {
            deadlines.arm(
                &feeds[position].timer,
                at: time + configuration.feedDownAfter,
                key: DeadlineKey(kind: .feed, first: Int32(position))
            )
        } else {
            deadlines.disarm(&feeds[position].timer)
        }
    }

    /// The connection to `broker` is back: `feed_down` resolves, and offline alerts that came due
    /// meanwhile are re-timed to `startup_grace` from now, so retained states can arrive first.
    public func feedUp(_ broker: String, at time: Int64, into changes: inout [AlertChange]) {
        let position = feedIndex(broker)
        guard !feeds[position].up else { return }
        var feed = feeds[position]
        feed.up = true
        deadlines.disarm(&feed.timer)
        if let alert = feed.alert {
            endFiring(alert, notified: true, at: time, into: &changes)
            feed.alert = nil
        }
        let paused = feed.paused
        feed.paused = []
        feeds[position] = feed
        for entry in paused {
            let client = Int(entry.client)
            let slotPosition = Int(entry.slot)
            var slot = slots[client, slotPosition]
            slot.paused = false
            slots[client, slotPosition].paused = false
            guard slot.phase == .pending else { continue }
            schedule(&slot, client: client, slot: slotPosition, deadline: time + configuration.startupGrace)
            slots[client, slotPosition] = slot
        }
    }

    func feedIndex(_ broker: String) -> Int {
        if let position = feeds.firstIndex(where: { $0.broker == broker }) { return position }
        feeds.append(Feed(broker: broker))
        return feeds.count - 1
    }

    func feedDeadline(_ position: Int, _ entry: Deadlines.Entry, into changes: inout [AlertChange]) {
        guard position < feeds.count, deadlines.settle(entry, &feeds[position].timer), !feeds[position].up else {
            return
        }
        let time = entry.deadline
        let feed = feeds[position]
        let labels = AlertMaker.labels(
            configuration.externalLabels,
            rule: "feed_down",
            severity: "critical",
            group: ("broker", feed.broker)
        )
        var annotations = LabelSet()
        annotations["summary"] = Self.feedDownSummary(feed, at: time)
        annotations["description"] = feed.reason
        let alert = AlertMaker.firing(
            labels: labels,
            annotations: annotations,
            rule: "feed_down",
            activeSince: feed.since,
            at: time
        )
        feeds[position].alert = alert
        firingCount += 1
        changes.append(AlertChange(alert: alert))
    }

    /// "broker X unreachable for 5m …" when it cannot be reached, "broker X rejects the connection for
    /// 5m (MQTT not authorized) …" when it is reached and refuses: the operator's fix differs.
    static func feedDownSummary(_ feed: Feed, at time: Int64) -> String {
        let duration = DurationText.format(milliseconds: time - feed.since)
        guard let kind = BrokerFailure.Kind(describing: feed.reason), !kind.isReachability else {
            return "broker \(feed.broker) unreachable for \(duration): client alerts are paused"
        }
        return "broker \(feed.broker) rejects the connection for \(duration) (\(kind.title)): client alerts are paused"
    }
}
