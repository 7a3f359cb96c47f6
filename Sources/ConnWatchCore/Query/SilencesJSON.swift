import Foundation

/// `/api/v1/silences`: silences in Alertmanager's v2 shape (`matchers` with `name`, `value`,
/// `isRegex`, `isEqual`; `startsAt`, `endsAt`, `comment`, `createdBy`, `status.state`).
public enum SilencesJSON {
    /// The body of `POST /api/v1/silences`.
    struct Postable: Decodable {
        struct Matcher: Decodable {
            var name: String
            var value: String
            var isRegex: Bool?
            var isEqual: Bool?
        }
        var id: String?
        var matchers: [Matcher]
        var startsAt: String?
        var endsAt: String
        var comment: String?
        var createdBy: String?
    }

    /// Reads a posted silence. `newID` is its id unless the body names an existing one to
    /// replace; `startsAt` defaults to `now`. Every problem is a 400 naming the field.
    public static func parse(_ body: [UInt8], newID: String, now: Int64) throws(APIError) -> Silence {
        let postable: Postable
        do {
            postable = try JSONDecoder().decode(Postable.self, from: Data(body))
        } catch let DecodingError.keyNotFound(key, context) {
            throw .badParameter(path(context.codingPath + [key]), "is required")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .badParameter(path(context.codingPath), "has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .badParameter(path(context.codingPath), "must not be null")
        } catch {
            throw .badParameter("body", "the body is not a JSON silence object")
        }
        guard !postable.matchers.isEmpty else {
            throw .badParameter("matchers", "must not be empty (it would silence everything)")
        }
        var matchers: [LabelMatcher] = []
        for (position, matcher) in postable.matchers.enumerated() {
            let regex = matcher.isRegex ?? false
            let equal = matcher.isEqual ?? true
            let op: LabelMatcher.Operator =
                regex ? (equal ? .matchesRegex : .notMatchesRegex) : (equal ? .equal : .notEqual)
            do {
                matchers.append(try LabelMatcher(name: matcher.name, op: op, value: matcher.value))
            } catch {
                throw .badParameter("matchers[\(position)]", "\(error)")
            }
        }
        var startsAt = now
        if let text = postable.startsAt {
            guard let time = Timestamp.parseISO8601(text) else {
                throw .badParameter("startsAt", "'\(text)' is not an ISO 8601 time with a zone")
            }
            startsAt = max(time, now)
        }
        guard let endsAt = Timestamp.parseISO8601(postable.endsAt) else {
            throw .badParameter("endsAt", "'\(postable.endsAt)' is not an ISO 8601 time with a zone")
        }
        guard endsAt > startsAt else { throw .badParameter("endsAt", "must be after startsAt and in the future") }
        if let id = postable.id, id.isEmpty { throw .badParameter("id", "must not be empty") }
        return Silence(
            id: postable.id ?? newID,
            matchers: matchers,
            startsAt: startsAt,
            endsAt: endsAt,
            comment: postable.comment ?? "",
            createdBy: postable.createdBy ?? ""
        )
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "body" : text
    }

    /// `active`, `pending` (not started) or `expired`.
    public static func state(_ silence: Silence, at now: Int64) -> String {
        if now >= silence.endsAt { return "expired" }
        return now < silence.startsAt ? "pending" : "active"
    }

    /// Writes one silence.
    public static func write(_ silence: Silence, source: String, now: Int64, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", silence.id)
        writer.key("status")
        writer.beginObject()
        writer.field("state", state(silence, at: now))
        writer.endObject()
        writer.key("matchers")
        writer.beginArray()
        for matcher in silence.matchers { write(matcher, into: &writer) }
        writer.endArray()
        writer.field("startsAt", Timestamp.formatISO8601(milliseconds: silence.startsAt))
        writer.field("endsAt", Timestamp.formatISO8601(milliseconds: silence.endsAt))
        writer.field("comment", silence.comment)
        writer.field("createdBy", silence.createdBy)
        writer.field("source", source)
        writer.endObject()
    }

    /// Writes a matcher as `{"name", "value", "isRegex", "isEqual"}`.
    public static func write(_ matcher: LabelMatcher, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("name", matcher.name)
        writer.field("value", matcher.value)
        writer.key("isRegex")
        writer.bool(matcher.op == .matchesRegex || matcher.op == .notMatchesRegex)
        writer.key("isEqual")
        writer.bool(matcher.op == .equal || matcher.op == .matchesRegex)
        writer.endObject()
    }

    /// The body of `POST /api/v1/silences` (what `connwatch silence add` sends).
    public static func postBody(matchers: [LabelMatcher], endsAt: Int64, comment: String, createdBy: String) -> [UInt8]
    {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("matchers")
        writer.beginArray()
        for matcher in matchers { write(matcher, into: &writer) }
        writer.endArray()
        writer.field("endsAt", Timestamp.formatISO8601(milliseconds: endsAt))
        writer.field("comment", comment)
        writer.field("createdBy", createdBy)
        writer.endObject()
        return writer.bytes
    }

    /// Every silence of `pipeline`, the configuration file's first.
    public static func list(_ pipeline: NotificationPipeline, now: Int64) -> APIResponse {
        var writer = JSONWriter()
        writer.beginArray()
        for silence in pipeline.configSilences { write(silence, source: "config", now: now, into: &writer) }
        for silence in pipeline.apiSilences { write(silence, source: "api", now: now, into: &writer) }
        writer.endArray()
        return .json(writer)
    }

    /// `{"silenceID": id}`.
    public static func created(_ id: String) -> APIResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("silenceID", id)
        writer.endObject()
        return .json(writer)
    }

    /// The answer to `DELETE /api/v1/silences/{id}`.
    public static func expired(_ result: NotificationPipeline.SilenceExpiry, id: String) -> APIResponse {
        switch result {
        case .expired, .alreadyExpired:
            var writer = JSONWriter()
            writer.beginObject()
            writer.field("silenceID", id)
            writer.field("state", "expired")
            writer.endObject()
            return .json(writer)
        case .notFound:
            return APIError.notFound("no silence with id '\(id)'").response
        case .fromConfiguration:
            return APIError(
                status: 409,
                message: "silence '\(id)' comes from the configuration file: remove it there and reload"
            ).response
        }
    }
}
