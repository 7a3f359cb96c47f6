import ConnWatchCore
import Foundation

/// `connwatch send-test`: a sample firing and resolved notification sent once each, straight to the
/// receiver (not through the outbox), with the outcome of each.
public enum SendTest {
    /// The outcome of one request.
    public struct Result: Sendable {
        public var state: AlertState
        public var notificationID: String
        /// Scheme and host only.
        public var endpoint: String
        public var status: Int?
        /// At most 500 characters of the response body, or the transport error; URL secrets scrubbed.
        public var detail: String
        public var succeeded: Bool { status.map { (200..<300).contains($0) } ?? false }
    }

    /// A sample alert for a client named `connwatch-test`.
    public static func sampleAlert(state: AlertState, now: Int64) -> Alert {
        var labels = LabelSet(["alertname": "connwatch_test", "severity": "info", "broker": "test"])
        labels["client_id"] = "connwatch-test"
        return Alert(
            labels: labels,
            annotations: LabelSet(["summary": "Test notification from connwatch (client connwatch-test)"]),
            rule: "connwatch_test",
            state: state,
            activeSince: now - 60_000,
            startsAt: now,
            endsAt: state == .resolved ? now + 1000 : nil
        )
    }

    /// Sends a firing, then a resolved sample to `target`.
    public static func run(_ target: DeliveryTarget, http: CurlHTTPClient, externalURL: String) async -> [Result] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var results: [Result] = []
        let redaction = URLRedaction(url: target.endpoint)
        for state in [AlertState.firing, .resolved] {
            let alert = sampleAlert(state: state, now: now)
            let id = "send-test-\(now)-\(state.rawValue)"
            let message = target.render(
                Notification(id: id, receiver: target.name, alerts: [alert]),
                externalURL: externalURL
            )
            let request = target.request(id: id, contentType: message.contentType, body: message.body, now: now)
            var result = Result(
                state: state,
                notificationID: id,
                endpoint: target.redactedURL,
                status: nil,
                detail: ""
            )
            do {
                let response = try await http.send(request)
                result.status = response.status
                result.detail = NotificationDelivery.excerpt(response.body, redaction)
            } catch {
                result.detail = redaction.scrub(error.description)
            }
            results.append(result)
        }
        return results
    }
}
