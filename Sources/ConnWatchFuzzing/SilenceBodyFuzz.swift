import ConnWatchCore

/// The body of `POST /api/v1/silences` (``SilencesJSON/parse(_:newID:now:)``), and the matchers'
/// text form `connwatch silence add` reads (``LabelMatcher/init(parsing:)``).
enum SilenceBodyFuzz {
    /// The time the API receives the body.
    static let now: Int64 = 1_767_225_600_000
    static let newID = "new-silence"

    static func run(_ bytes: [UInt8]) -> [String] {
        anyBody(bytes) + builtBody(bytes)
    }

    /// Any bytes as a body: a silence that starts now or later and ends after it starts, with matchers,
    /// which the API lists in a form it reads back as the same silence; or a 400 naming the field.
    static func anyBody(_ bytes: [UInt8]) -> [String] {
        let first = parse(bytes)
        var problems: [String] = []
        if first != parse(bytes) { problems.append("parsing is not deterministic") }
        switch first {
        case .failure(let error):
            if error.status != 400 { problems.append("status \(error.status) for a bad body") }
            if error.parameter?.isEmpty ?? true { problems.append("'\(error.message)' names no field") }
        case .success(let silence):
            if silence.matchers.isEmpty { problems.append("a silence without matchers") }
            if silence.startsAt < now { problems.append("a silence that starts before it was posted") }
            if silence.endsAt <= silence.startsAt { problems.append("a silence that ends before it starts") }
            if silence.id.isEmpty { problems.append("a silence with an empty id") }
            // Listed times are written with four-digit years; a zone offset can carry the last instants
            // of 9999 into 10000, which ISO 8601 without an expanded year cannot write (see TimestampFuzz).
            if silence.endsAt < TimestampFuzz.endMillisecond {
                var writer = JSONWriter()
                SilencesJSON.write(silence, source: "api", now: now, into: &writer)
                if parse(writer.bytes) != .success(silence) {
                    problems.append(
                        "the silence as listed, \(String(decoding: writer.bytes, as: UTF8.self)), reads back differently"
                    )
                }
            }
        }
        return problems
    }

    /// A silence built from the bytes: its matchers read back from their text form, and the body the CLI
    /// posts for it reads back as the same silence.
    static func builtBody(_ bytes: [UInt8]) -> [String] {
        var input = FuzzBytes(bytes)
        var matchers: [LabelMatcher] = []
        var problems: [String] = []
        for _ in 0..<Int(input.byte() % 4) + 1 {
            let name = input.bool() ? names[Int(input.byte()) % names.count] : input.text(limit: 8)
            let op = LabelMatcher.Operator.allCases[Int(input.byte()) % LabelMatcher.Operator.allCases.count]
            guard let matcher = try? LabelMatcher(name: name, op: op, value: input.text()) else { continue }
            matchers.append(matcher)
            if (try? LabelMatcher(parsing: matcher.description)) != matcher {
                problems.append("matcher \(matcher.description) does not read back from its text")
            }
        }
        guard !matchers.isEmpty else { return problems }
        // Whole milliseconds up to ten years ahead (the body carries milliseconds).
        let endsAt = now + 1 + Int64(input.int(in: 0...315_360_000_000))
        let comment = input.text()
        let createdBy = input.text()
        let body = SilencesJSON.postBody(matchers: matchers, endsAt: endsAt, comment: comment, createdBy: createdBy)
        let expected = Silence(
            id: newID,
            matchers: matchers,
            startsAt: now,
            endsAt: endsAt,
            comment: comment,
            createdBy: createdBy
        )
        if parse(body) != .success(expected) {
            problems.append("the body \(String(decoding: body, as: UTF8.self)) reads back as \(parse(body))")
        }
        return problems
    }

    private static let names = ["alertname", "client_id", "severity", "_", "rule2"]

    private static func parse(_ body: [UInt8]) -> Result<Silence, APIError> {
        do throws(APIError) {
            return .success(try SilencesJSON.parse(body, newID: newID, now: now))
        } catch {
            return .failure(error)
        }
    }
}
