/// What one platform accepts in one request, in the platform's own unit: the renderers cut every
/// text with `fit`, and `MessageRenderer.render` shows fewer alerts and shorter texts until the body
/// is within `maximumBodyBytes`. The numbers are the platforms' documented limits (README, "Receivers").
public struct PlatformLimits: Sendable, Equatable {
    /// The unit the platform counts its text limits in.
    public var unit: TextUnit
    /// The largest request body sent, in bytes (with headroom below a documented request limit).
    public var maximumBodyBytes: Int
    /// The most alerts one message can show (`max_alerts` above it is a configuration error).
    public var maximumAlerts: Int
    /// Why a message shows no more than `maximumAlerts` (for the configuration error).
    public var maximumAlertsReason: String

    /// The limits of `type`'s platform.
    public static func of(_ type: ReceiverType) -> PlatformLimits {
        switch type {
        case .slack:
            // 50 blocks: the header, one section per alert, the context line. Slack documents no
            // request size; 40,000 code points of text (4 bytes each at most) plus markup stay below 200 KB.
            return PlatformLimits(.codePoints, 200_000, 48, "50 blocks per message")
        case .discord: return PlatformLimits(.codePoints, 100_000, 10, "10 embeds per message")
        case .teams: return PlatformLimits(.bytes, 27_000, 1000, "")  // ~28 KB per message
        case .googlechat:
            // 100 widgets per card: two per alert and the "… N more" line.
            return PlatformLimits(.bytes, 31_000, 49, "100 widgets per card")  // 32,000 bytes per message
        case .mattermost: return PlatformLimits(.codePoints, 60_000, 1000, "")  // 16,383 code points
        case .rocketchat: return PlatformLimits(.codePoints, 30_000, 1000, "")  // 5,000 code points
        case .ntfy: return PlatformLimits(.bytes, 4_096, 1000, "")  // message 4,096 bytes
        case .pagerduty: return PlatformLimits(.codePoints, 500_000, 1, "one event per alert")  // 512 KB
        case .webhook, .alertmanager: return PlatformLimits(.bytes, Int.max, 1000, "")
        }
    }

    init(_ unit: TextUnit, _ maximumBodyBytes: Int, _ maximumAlerts: Int, _ reason: String) {
        self.unit = unit
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumAlerts = maximumAlerts
        self.maximumAlertsReason = reason
    }

    /// `text` cut to at most `limit` of the platform's units, ending in `… N more` when cut.
    public func fit(_ text: String, _ limit: Int) -> String {
        PlatformText.truncate(text, to: limit, in: unit)
    }

    /// The length of `text` in the platform's unit.
    public func length(_ text: String) -> Int { unit.length(text) }

    // MARK: Documented field limits (in the platform's unit)

    /// Slack: a header block's `plain_text`.
    public static let slackHeader = 150
    /// Slack: a section's or context element's text object.
    public static let slackText = 3_000
    /// Slack: the message `text` (Slack truncates longer ones); also the budget for all sections.
    public static let slackMessageText = 40_000
    /// Discord: `content`.
    public static let discordContent = 2_000
    /// Discord: an embed's `title`.
    public static let discordTitle = 256
    /// Discord: an embed's `description`.
    public static let discordDescription = 4_096
    /// Discord: an embed's `footer.text`.
    public static let discordFooter = 2_048
    /// Discord: titles, descriptions, field names and values, footers and authors of all embeds together.
    public static let discordEmbedsTotal = 6_000
    /// PagerDuty: `payload.summary`.
    public static let pagerDutySummary = 1_024
    /// Mattermost: a post's message.
    public static let mattermostMessage = 16_383
    /// Rocket.Chat: a message (the server's default `Message_MaxAllowedSize`).
    public static let rocketChatMessage = 5_000
    /// ntfy: the message (longer ones become an attachment).
    public static let ntfyMessage = 4_096
    /// Google Chat: widgets per card (more are silently dropped).
    public static let googleChatWidgets = 100
}
