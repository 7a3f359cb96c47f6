import Foundation
import Synchronization

/// A test endpoint that speaks one chat/incident platform's webhook contract: it checks what the
/// platform checks (shape, size limits) and answers with the platform's success or error status,
/// headers and body. Rejections are recorded so tests can assert none happened.
public final class FakePlatformEndpoint: Sendable {
    /// Platforms, named like connwatch's receiver types.
    public let platform: String
    private let rejected = Mutex<[String]>([])
    private let counter = Mutex(0)

    public init(platform: String) {
        self.platform = platform
    }

    /// Why requests were rejected, in order.
    public var rejections: [String] { rejected.withLock { $0 } }

    /// The responder to install with `TestHTTPServer.setResponder`.
    public var responder: @Sendable (RecordedRequest) -> ScriptedResponse {
        { [self] request in self.respond(request) }
    }

    private func reject(_ reason: String, _ response: ScriptedResponse) -> ScriptedResponse {
        rejected.withLock { $0.append(reason) }
        return response
    }

    private func nextID() -> Int {
        counter.withLock {
            $0 += 1
            return $0
        }
    }

    private static func json(_ status: Int, _ object: Any, headers: [RecordedHeader] = []) -> ScriptedResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return ScriptedResponse(
            status: status,
            headers: [RecordedHeader(name: "Content-Type", value: "application/json")] + headers,
            body: [UInt8](data)
        )
    }

    private static func text(_ status: Int, _ text: String) -> ScriptedResponse {
        ScriptedResponse(
            status: status,
            headers: [RecordedHeader(name: "Content-Type", value: "text/plain")],
            text: text
        )
    }

    func respond(_ request: RecordedRequest) -> ScriptedResponse {
        guard request.method == "POST" else { return reject("method \(request.method)", Self.text(405, "")) }
        guard request.header("Content-Type")?.hasPrefix("application/json") == true else {
            return reject("content type \(request.header("Content-Type") ?? "none")", Self.text(415, "unsupported"))
        }
        let parsed = try? JSONSerialization.jsonObject(with: Data(request.body))
        switch platform {
        case "slack": return slack(parsed)
        case "teams": return teams(parsed, size: request.body.count)
        case "discord": return discord(parsed, target: request.target)
        case "googlechat": return googleChat(parsed, size: request.body.count, target: request.target)
        case "mattermost": return mattermost(parsed)
        case "rocketchat": return rocketChat(parsed)
        case "ntfy": return ntfy(parsed, size: request.body.count)
        case "pagerduty": return pagerDuty(parsed)
        case "alertmanager": return alertmanager(parsed, path: request.path)
        default: return webhook(parsed)
        }
    }

    // Slack: 200 "ok"; 400 with an error code as text.
    private func slack(_ parsed: Any?) -> ScriptedResponse {
        guard let object = parsed as? [String: Any] else {
            return reject("slack: not JSON", Self.text(400, "invalid_payload"))
        }
        let blocks = object["blocks"] as? [[String: Any]] ?? []
        if (object["text"] as? String)?.isEmpty != false && blocks.isEmpty {
            return reject("slack: no text", Self.text(400, "no_text"))
        }
        if blocks.count > 50 { return reject("slack: >50 blocks", Self.text(400, "invalid_blocks")) }
        for block in blocks {
            let text = (block["text"] as? [String: Any])?["text"] as? String ?? ""
            let limit = block["type"] as? String == "header" ? 150 : 3000
            if text.count > limit {
                return reject("slack: block text \(text.count) > \(limit)", Self.text(400, "invalid_blocks"))
            }
        }
        if ((object["text"] as? String)?.count ?? 0) > 40_000 {
            return reject("slack: text too long", Self.text(400, "msg_too_long"))
        }
        return Self.text(200, "ok")
    }

    // Teams Workflows: 202 Accepted with an empty body; 413 over ~28 KB; 400 for non-Adaptive-Card bodies.
    private func teams(_ parsed: Any?, size: Int) -> ScriptedResponse {
        if size > 28 * 1024 { return reject("teams: \(size) bytes", Self.text(413, "request entity too large")) }
        guard let object = parsed as? [String: Any], object["type"] as? String == "message",
            let attachment = (object["attachments"] as? [[String: Any]])?.first,
            attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive",
            (attachment["content"] as? [String: Any])?["type"] as? String == "AdaptiveCard"
        else {
            return reject(
                "teams: not an Adaptive Card message",
                Self.json(400, ["error": ["code": "InvalidRequestContent"]])
            )
        }
        return ScriptedResponse(status: 202)
    }

    // Discord: 200 + message JSON with ?wait=true (else 204); 400 code 50035 on limit violations;
    // rate-limit headers on every answer.
    private func discord(_ parsed: Any?, target: String) -> ScriptedResponse {
        let invalid = Self.json(400, ["message": "Invalid Form Body", "code": 50035])
        guard let object = parsed as? [String: Any] else { return reject("discord: not JSON", invalid) }
        let content = object["content"] as? String ?? ""
        let embeds = object["embeds"] as? [[String: Any]] ?? []
        if content.isEmpty && embeds.isEmpty {
            return reject(
                "discord: empty message",
                Self.json(400, ["message": "Cannot send an empty message", "code": 50006])
            )
        }
        if content.count > 2000 { return reject("discord: content \(content.count)", invalid) }
        if embeds.count > 10 { return reject("discord: \(embeds.count) embeds", invalid) }
        var total = 0
        for embed in embeds {
            let title = embed["title"] as? String ?? ""
            let description = embed["description"] as? String ?? ""
            let footer = (embed["footer"] as? [String: Any])?["text"] as? String ?? ""
            if title.count > 256 || description.count > 4096 { return reject("discord: embed field too long", invalid) }
            total += title.count + description.count + footer.count
        }
        if total > 6000 { return reject("discord: embeds total \(total)", invalid) }
        let headers = [
            RecordedHeader(name: "X-RateLimit-Limit", value: "5"),
            RecordedHeader(name: "X-RateLimit-Remaining", value: "4"),
            RecordedHeader(name: "X-RateLimit-Reset-After", value: "1.000"),
            RecordedHeader(name: "X-RateLimit-Bucket", value: "abcd1234"),
        ]
        guard target.contains("wait=true") else { return ScriptedResponse(status: 204, headers: headers) }
        return Self.json(
            200,
            ["id": "\(1_000_000 + nextID())", "type": 0, "content": content, "channel_id": "42"],
            headers: headers
        )
    }

    // Google Chat: 200 + the created Message; 400 INVALID_ARGUMENT over 32,000 bytes or without content.
    private func googleChat(_ parsed: Any?, size: Int, target: String) -> ScriptedResponse {
        let invalid = Self.json(
            400,
            ["error": ["code": 400, "message": "Invalid JSON payload received.", "status": "INVALID_ARGUMENT"]]
        )
        if size > 32_000 { return reject("googlechat: \(size) bytes", invalid) }
        guard let object = parsed as? [String: Any], object["text"] != nil || object["cardsV2"] != nil else {
            return reject("googlechat: no text or cards", invalid)
        }
        let key = (object["thread"] as? [String: Any])?["threadKey"] as? String ?? "new"
        if !target.contains("messageReplyOption=") && object["thread"] != nil {
            return reject("googlechat: thread without messageReplyOption", invalid)
        }
        return Self.json(
            200,
            ["name": "spaces/AAA/messages/m\(nextID())", "thread": ["name": "spaces/AAA/threads/\(key)"]]
        )
    }

    // Mattermost: 200 "ok"; 400 with an app error.
    private func mattermost(_ parsed: Any?) -> ScriptedResponse {
        guard let object = parsed as? [String: Any], object["text"] != nil || object["attachments"] != nil else {
            return reject(
                "mattermost: no text",
                Self.json(400, ["id": "web.incoming_webhook.text.app_error", "status_code": 400])
            )
        }
        let size = (object["text"] as? String)?.count ?? 0
        if size > 16_383 {
            return reject(
                "mattermost: text too long",
                Self.json(400, ["id": "api.post.message_length", "status_code": 400])
            )
        }
        return Self.text(200, "ok")
    }

    // Rocket.Chat: 200 {"success":true}; 400 {"success":false,"error":...}.
    private func rocketChat(_ parsed: Any?) -> ScriptedResponse {
        guard let object = parsed as? [String: Any], object["text"] != nil || object["attachments"] != nil else {
            return reject("rocketchat: no text", Self.json(400, ["success": false, "error": "error-invalid-body"]))
        }
        return Self.json(200, ["success": true])
    }

    // ntfy JSON publish: 200 + the message; 400 without topic.
    private func ntfy(_ parsed: Any?, size: Int) -> ScriptedResponse {
        guard let object = parsed as? [String: Any], let topic = object["topic"] as? String, !topic.isEmpty else {
            return reject(
                "ntfy: no topic",
                Self.json(400, ["code": 40_009, "http": 400, "error": "invalid request: topic invalid"])
            )
        }
        let message = object["message"] as? String ?? ""
        if message.utf8.count > 4096 {
            return reject(
                "ntfy: message \(message.utf8.count) bytes",
                Self.json(413, ["code": 41_301, "http": 413, "error": "too large"])
            )
        }
        return Self.json(
            200,
            ["id": "n\(nextID())", "time": 1_700_000_000, "event": "message", "topic": topic, "message": message]
        )
    }

    // PagerDuty Events v2: 202 {status, message, dedup_key}; 400 "Event object is invalid".
    private func pagerDuty(_ parsed: Any?) -> ScriptedResponse {
        func invalid(_ error: String) -> ScriptedResponse {
            reject(
                "pagerduty: \(error)",
                Self.json(400, ["status": "invalid event", "message": "Event object is invalid", "errors": [error]])
            )
        }
        guard let object = parsed as? [String: Any] else { return invalid("not JSON") }
        guard (object["routing_key"] as? String)?.isEmpty == false else { return invalid("'routing_key' is missing") }
        guard let action = object["event_action"] as? String, ["trigger", "acknowledge", "resolve"].contains(action)
        else {
            return invalid("'event_action' is invalid")
        }
        guard let key = object["dedup_key"] as? String, key.count <= 255 else {
            return invalid("'dedup_key' is invalid")
        }
        if action == "trigger" {
            guard let payload = object["payload"] as? [String: Any], let summary = payload["summary"] as? String,
                payload["source"] is String,
                let severity = payload["severity"] as? String,
                ["critical", "error", "warning", "info"].contains(severity)
            else { return invalid("'payload' is invalid") }
            if summary.count > 1024 { return invalid("Description is too long (maximum is 1024 characters)") }
        }
        return Self.json(202, ["status": "success", "message": "Event processed", "dedup_key": key])
    }

    // Alertmanager POST /api/v2/alerts: 200 empty; 400 with a validation message.
    private func alertmanager(_ parsed: Any?, path: String) -> ScriptedResponse {
        guard path == "/api/v2/alerts" else {
            return reject("alertmanager: path \(path)", Self.text(404, "404 page not found"))
        }
        guard let array = parsed as? [[String: Any]], !array.isEmpty,
            array.allSatisfy({ ($0["labels"] as? [String: String])?.isEmpty == false })
        else {
            return reject(
                "alertmanager: bad alerts",
                Self.json(400, ["code": 400, "message": "labels: at least one label pair required"])
            )
        }
        return ScriptedResponse(status: 200)
    }

    // Generic receiver of Alertmanager v4 webhooks (e.g. a relay): 200 on version 4.
    private func webhook(_ parsed: Any?) -> ScriptedResponse {
        guard let object = parsed as? [String: Any], object["version"] as? String == "4" else {
            return reject("webhook: not a v4 payload", Self.text(400, "bad payload"))
        }
        return Self.text(200, "ok")
    }
}
