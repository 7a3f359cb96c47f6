import Testing

@testable import ConnWatchCore

/// Milliseconds since the epoch for an RFC 3339 time; records an issue if the text is not one.
func ms(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int64 {
    guard let value = Timestamp.parseISO8601(text) else {
        Issue.record("'\(text)' is not a timestamp", sourceLocation: sourceLocation)
        return 0
    }
    return value
}

func stageAlert(
    _ labels: [String: String],
    _ state: AlertState = .firing,
    startsAt: Int64 = 0
) -> Alert {
    Alert(
        labels: LabelSet(labels),
        annotations: LabelSet(),
        rule: labels["alertname"] ?? "rule",
        state: state,
        activeSince: startsAt,
        startsAt: startsAt,
        endsAt: state == .resolved ? startsAt : nil
    )
}

func matcher(_ text: String) throws -> LabelMatcher { try LabelMatcher(parsing: text) }
