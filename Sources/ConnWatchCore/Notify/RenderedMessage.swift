/// One HTTP request body for one receiver, ready to send.
public struct RenderedMessage: Sendable, Equatable {
    /// The URL to post to (the receiver's URL with the platform's path or query additions).
    public var url: String
    public var contentType: String
    public var body: [UInt8]
    /// Alerts left out of the message (beyond `max_alerts`).
    public var omittedAlerts: Int

    public init(url: String, contentType: String = "application/json", body: [UInt8], omittedAlerts: Int = 0) {
        self.url = url
        self.contentType = contentType
        self.body = body
        self.omittedAlerts = omittedAlerts
    }

    /// The body as text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What a renderer needs besides the notification.
public struct RenderContext: Sendable {
    /// The receiver's resolved URL (a secret).
    public var url: String
    /// Where links to connwatch point.
    public var externalURL: String
    /// PagerDuty routing key (a secret).
    public var routingKey: String
    /// When the message is made (milliseconds since the epoch): an `alertmanager` receiver's
    /// firing alerts end 4 × `resend_interval` after it unless posted again. `nil` leaves their
    /// `endsAt` out (previews).
    public var sentAt: Int64?

    public init(url: String, externalURL: String, routingKey: String = "", sentAt: Int64? = nil) {
        self.url = url
        self.externalURL = externalURL
        self.routingKey = routingKey
        self.sentAt = sentAt
    }
}

/// Renders a notification into the payload a receiver's platform expects, escaped and truncated to
/// the platform's limits (ALERTING.md §4.1).
public enum MessageRenderer {
    /// The request for `notification` to `receiver`, within the platform's limits (`PlatformLimits`):
    /// every text is cut in the platform's unit, and while the body is over the platform's byte limit
    /// the message shows half as many alerts (the rest as "… N more"), then, with one alert left,
    /// shorter texts.
    public static func render(
        _ notification: Notification,
        receiver: ReceiverConfig,
        context: RenderContext
    ) -> RenderedMessage {
        let limits = PlatformLimits.of(receiver.type)
        func render(_ shownCount: Int, _ detail: Int) -> RenderedMessage {
            let shown = Array(notification.alerts.prefix(shownCount)).map { AlertTexts($0, receiver: receiver) }
            let input = Input(
                notification: notification,
                receiver: receiver,
                context: context,
                alerts: shown,
                omitted: notification.alerts.count - shown.count,
                limits: limits,
                detail: detail
            )
            var message: RenderedMessage
            switch receiver.type {
            case .slack: message = slack(input)
            case .teams: message = teams(input)
            case .discord: message = discord(input)
            case .googlechat: message = googleChat(input)
            case .mattermost: message = mattermost(input)
            case .rocketchat: message = rocketChat(input)
            case .ntfy: message = ntfy(input)
            case .pagerduty: message = pagerDuty(input)
            case .webhook: message = webhook(input)
            case .alertmanager: message = alertmanager(input)
            }
            message.omittedAlerts = input.omitted
            return message
        }
        var shownCount = min(receiver.effectiveMaxAlerts, notification.alerts.count)
        let sample = 8
        if shownCount > sample, limits.maximumBodyBytes < Int.max {
            // Estimate from a few alerts how many fit, instead of rendering hundreds that cannot.
            let size = render(sample, 1).body.count
            shownCount = min(shownCount, max(sample, limits.maximumBodyBytes / max(size / sample, 1)))
        }
        var detail = 1
        var message: RenderedMessage
        repeat {
            message = render(shownCount, detail)
            if message.body.count <= limits.maximumBodyBytes { break }
            if shownCount > 1 {
                // Half as many, or fewer still when the body is many times too big.
                let scaled = shownCount * limits.maximumBodyBytes / message.body.count
                shownCount = max(1, min(shownCount / 2, scaled))
            } else if detail < Input.maximumDetail {
                detail *= 2
            } else {
                break
            }
        } while true
        message.url = endpointURL(receiver.type, context.url)
        return message
    }

    /// The largest request body a platform takes (`PlatformLimits.maximumBodyBytes`).
    static func maximumBodyBytes(_ type: ReceiverType) -> Int {
        PlatformLimits.of(type).maximumBodyBytes
    }

    /// Where a receiver of `type` configured with `url` is posted to: Discord gets `wait=true`,
    /// Google Chat `messageReplyOption`, ntfy its server root, Alertmanager `/api/v2/alerts`,
    /// PagerDuty its Events API when no URL is set.
    public static func endpointURL(_ type: ReceiverType, _ url: String) -> String {
        switch type {
        case .discord: return addingQuery(url, "wait", "true")
        case .googlechat: return addingQuery(url, "messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
        case .ntfy: return ntfyTopic(url).root
        case .pagerduty: return url.isEmpty ? pagerDutyURL : url
        case .alertmanager:
            var base = url
            while base.hasSuffix("/") { base.removeLast() }
            return base.hasSuffix("/api/v2/alerts") ? base : base + "/api/v2/alerts"
        default: return url
        }
    }

    struct Input {
        var notification: Notification
        var receiver: ReceiverConfig
        var context: RenderContext
        var alerts: [AlertTexts]
        var omitted: Int
        var limits: PlatformLimits
        /// 1, or a power of two that every text budget is divided by (a body still too big with one alert).
        var detail: Int

        static let maximumDetail = 1024
        /// No budget is cut below this many units.
        static let minimumBudget = 24

        var firing: Bool { notification.status == .firing }

        /// `🔴 [FIRING] title` for one alert, `🔴 [FIRING] 3 alerts` for several.
        func headline(_ escaping: TextEscaping) -> String {
            let marker = firing ? "🔴 [FIRING] " : "✅ [RESOLVED] "
            if notification.alerts.count == 1, let only = alerts.first { return marker + only.title(escaping) }
            return marker + "\(notification.alerts.count) alerts"
        }

        /// `limit` (in the platform's unit) divided by `detail`.
        func budget(_ limit: Int) -> Int {
            detail == 1 ? limit : min(limit, max(Self.minimumBudget, limit / detail))
        }

        /// `text` cut to `budget(limit)` of the platform's units.
        func fit(_ text: String, _ limit: Int) -> String {
            limits.fit(text, budget(limit))
        }

        var moreLine: String? { omitted > 0 ? "… \(omitted) more alert\(omitted == 1 ? "" : "s")" : nil }
    }

    /// Adds `name=value` to the query of `url` unless it is there.
    static func addingQuery(_ url: String, _ name: String, _ value: String) -> String {
        if url.contains("?\(name)=") || url.contains("&\(name)=") { return url }
        return url + (url.contains("?") ? "&" : "?") + "\(name)=\(value)"
    }
}
