/// Kinds of receiver: each renders its platform's payload and knows its limits.
public enum ReceiverType: String, Sendable, CaseIterable {
    /// Slack incoming webhook: Block Kit, a `text` fallback and a colour bar.
    case slack
    /// Microsoft Teams Workflows webhook: an Adaptive Card in a message envelope (202 is success).
    case teams
    /// Discord webhook: embeds, mentions disabled, `?wait=true`.
    case discord
    /// Google Chat incoming webhook: cardsV2, one thread per alert.
    case googlechat
    /// Mattermost incoming webhook (Slack-compatible attachments).
    case mattermost
    /// Rocket.Chat incoming webhook.
    case rocketchat
    /// ntfy: JSON publish to the server root, topic from the URL.
    case ntfy
    /// PagerDuty Events API v2 trigger/resolve with a `dedup_key`.
    case pagerduty
    /// Alertmanager-compatible webhook JSON (payload version 4), or a custom body template.
    case webhook
    /// An existing Alertmanager: `POST /api/v2/alerts`.
    case alertmanager

    /// Alerts shown in one message unless `max_alerts` says otherwise.
    public var defaultMaxAlerts: Int {
        switch self {
        case .slack: return 20
        case .discord: return 10
        case .pagerduty: return 1
        case .webhook, .alertmanager: return 1000
        default: return 20
        }
    }

    /// The largest `max_alerts` the platform can show (`PlatformLimits.maximumAlerts`).
    public var maximumMaxAlerts: Int { PlatformLimits.of(self).maximumAlerts }

    /// Requests per second the platform takes from one webhook (token bucket rate; burst is one).
    public var defaultRatePerSecond: Double {
        switch self {
        case .slack: return 1
        case .googlechat: return 1  // 60 per minute per space
        case .teams: return 4
        case .discord: return 5  // refined by its X-RateLimit headers
        case .ntfy: return 0.2  // 1 per 5 s after a burst of 60
        case .pagerduty: return 2  // Events API v2: 120 events per minute per routing key
        default: return 10
        }
    }
}

/// Where notifications go.
public struct ReceiverConfig: Sendable, Equatable {
    public var name: String
    public var type: ReceiverType
    /// The endpoint URL; exactly one of `url`, `urlFile` and `urlCredential` is set (PagerDuty has a default).
    public var url: String?
    /// `alertmanager` only: the peers of an Alertmanager cluster (`urls:`), instead of `url`. Every
    /// notification is posted to every peer, each delivered and retried on its own, as Prometheus
    /// does: the cluster deduplicates.
    public var peerURLs: [String] = []
    /// A file holding the URL (a secret), read at start and on reload.
    public var urlFile: String?
    /// The name of a systemd credential holding the URL (`$CREDENTIALS_DIRECTORY/<name>`).
    public var urlCredential: String?
    /// PagerDuty: a file holding the integration (routing) key.
    public var routingKeyFile: String?
    /// PagerDuty: the systemd credential holding the routing key.
    public var routingKeyCredential: String?
    public var timeout: Int64
    public var sendResolved: Bool
    public var headers: [HTTPHeaderConfig]
    /// Give up retrying a notification after this long.
    public var maxRetryDuration: Int64
    /// Alerts shown in one message; the rest are summarised as "… N more".
    public var maxAlerts: Int?
    /// Per-alert title template (Mustache variables: labels, annotations, `status`, `STATUS`, ...).
    public var title: MessageTemplate?
    /// Per-alert text template.
    public var text: MessageTemplate?
    /// `webhook` only: a custom body template; values are JSON-string escaped.
    public var body: MessageTemplate?
    /// Request signing.
    public var signing: SigningScheme
    /// A file holding the signing secret (`whsec_…` for Standard Webhooks).
    public var signingSecretFile: String?
    /// The systemd credential holding the signing secret.
    public var signingSecretCredential: String?
    /// ntfy: a file holding an access token, sent as `Authorization: Bearer <token>`.
    public var tokenFile: String?
    /// ntfy: the systemd credential holding the access token.
    public var tokenCredential: String?
    /// Requests per second to this destination; `nil` takes the platform's default.
    public var rateLimit: Double?
    /// `alertmanager` only: how often every firing alert is posted again, each time with
    /// `endsAt` = now + 4 × this interval, as Prometheus does, so that Alertmanager keeps it active.
    public var resendInterval: Int64 = 60_000

    public init(
        name: String,
        type: ReceiverType = .webhook,
        url: String? = nil,
        urlFile: String? = nil,
        timeout: Int64 = 10_000,
        sendResolved: Bool = true,
        headers: [HTTPHeaderConfig] = [],
        maxRetryDuration: Int64 = 3_600_000
    ) {
        self.name = name
        self.type = type
        self.url = url
        self.urlFile = urlFile
        self.timeout = timeout
        self.sendResolved = sendResolved
        self.headers = headers
        self.maxRetryDuration = maxRetryDuration
        self.signing = .none
    }

    /// `max_alerts`, or the platform default, capped by what the platform can show.
    public var effectiveMaxAlerts: Int {
        min(max(maxAlerts ?? type.defaultMaxAlerts, 1), type.maximumMaxAlerts)
    }

    /// Requests per second to this destination.
    public var effectiveRateLimit: Double { rateLimit ?? type.defaultRatePerSecond }

    /// How long after it was sent a firing alert posted to an `alertmanager` receiver stays active
    /// there unless posted again: 4 × `resendInterval`, as Prometheus's notifier sets `endsAt`.
    public var alertmanagerValidity: Int64 { 4 * resendInterval }

    /// The receiver's own grouping timers, or `nil` to use `defaults`: an `alertmanager` receiver
    /// posts every alert that fires or resolves at once, repeats the firing ones every
    /// `resend_interval` (Alertmanager itself groups, waits and deduplicates; it needs the firing
    /// alerts re-posted), and never holds a change back to the next resend: an alert that joined a
    /// group posted a moment earlier would otherwise miss Alertmanager's `group_wait` and arrive
    /// in a notification of its own.
    public func grouping(defaults: GroupingOptions) -> GroupingOptions? {
        guard type == .alertmanager else { return nil }
        return GroupingOptions(
            groupBy: defaults.groupBy,
            groupWait: 0,
            groupInterval: resendInterval,
            repeatInterval: resendInterval,
            flushesChangesAtOnce: true
        )
    }

    /// How long a notification is retried: `max_retry_duration`; for an `alertmanager` receiver at
    /// most until the alerts it carries would have ended there anyway (the next resend replaces it).
    public var effectiveMaxRetryDuration: Int64 {
        type == .alertmanager ? min(maxRetryDuration, alertmanagerValidity) : maxRetryDuration
    }

    /// Where a notification's retry window starts: at its first attempt, or for an `alertmanager`
    /// receiver when it was made — a post is worthless once the alerts it carries would have ended,
    /// so posts queued behind an Alertmanager that is down are dropped, not retried one after the
    /// other (which would let the outbox grow with every resend).
    public func retryWindowStart(createdAt: Int64, firstAttemptAt: Int64) -> Int64 {
        type == .alertmanager ? min(createdAt, firstAttemptAt) : firstAttemptAt
    }
}

/// One extra HTTP header a receiver sends.
public struct HTTPHeaderConfig: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
