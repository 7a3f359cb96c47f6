import ConnWatchTestSupport
import Foundation
import Testing

@testable import ConnWatchCore

/// Runs a Python validator from the platforms' own tooling. `make deps` installs the packages
/// (`python3 -m pip install slack_sdk jsonschema`); a missing package fails the test, it never skips.
private enum PythonValidator {
    static let vendor = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vendor")

    /// Runs `script` with `input` (JSON) in a file passed as the last argument; returns its output
    /// decoded as JSON, or records an issue.
    static func run(_ script: String, _ arguments: [String], input: Any) throws -> Any? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("connwatch-validate-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("input.json")
        try JSONSerialization.data(withJSONObject: input).write(to: inputFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments + [inputFile.path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            Issue.record("cannot run python3 (`make deps` installs it): \(error)")
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            Issue.record("validator failed (status \(process.terminationStatus)): \(text) \(errorText)")
            return nil
        }
        return try JSONSerialization.jsonObject(with: data)
    }

    static let missing =
        "print('python3 lacks the validator package: ' + str(e) + ' (make deps runs python3 -m pip install slack_sdk jsonschema)', file=sys.stderr); sys.exit(3)"

    /// Validates each card against the schema file (argv[1]); prints one list of errors per card.
    static let adaptiveCard = """
        import json, sys
        try:
            import jsonschema
        except ImportError as e:
            \(missing)
        schema = json.load(open(sys.argv[1]))
        validator = jsonschema.Draft6Validator(schema)
        cards = json.load(open(sys.argv[2]))
        print(json.dumps([[f"{e.message} at {list(e.absolute_path)}" for e in validator.iter_errors(c)][:3] for c in cards]))
        """

    /// Parses each message's blocks with slack_sdk's Block Kit models and validates them (their
    /// length and count limits); prints one list of errors per message.
    static let slackBlocks = """
        import json, sys
        try:
            from slack_sdk.models.blocks import Block
        except ImportError as e:
            \(missing)
        results = []
        for message in json.load(open(sys.argv[1])):
            errors = []
            blocks = message.get("blocks", [])
            if len(blocks) > 50:
                errors.append(f"{len(blocks)} blocks")
            for raw in blocks:
                block = Block.parse(raw)
                if block is None:
                    errors.append(f"unknown block {raw.get('type')}")
                    continue
                try:
                    block.validate_json()
                except Exception as e:
                    errors.append(f"{raw.get('type')}: {e}")
            results.append(errors)
        print(json.dumps(results))
        """
}

private func json(_ message: RenderedMessage) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(message.body)) as? [String: Any])
}

/// The ids the validators see: the fixed hostile ones and seeded random ones, one and many alerts.
private func hostileMessages(_ type: ReceiverType) -> [RenderedMessage] {
    var rng = SeededGenerator(state: 0x5EED)
    let ids = HostileIDs.fixed + (0..<8).map { _ in HostileIDs.random(&rng, maximum: 2_000) }
    return ids.flatMap { id in [1, 7, 120].map { renderHostile(type, client: id, count: $0) } }
}

@Suite struct PlatformValidatorTests {
    @Test func teamsCardsValidateAgainstTheSchemaOfTheVersionTheyDeclare() throws {
        var cards: [Any] = []
        for message in hostileMessages(.teams) {
            let attachments = try #require(try json(message)["attachments"] as? [[String: Any]])
            let card = try #require(attachments.first?["content"] as? [String: Any])
            #expect(card["version"] as? String == "1.5")
            cards.append(card)
        }
        // A control the schema must reject, so a validator that accepts anything fails the test.
        var control = try #require(cards.first as? [String: Any])
        control["body"] = [["type": "TextBlock", "text": "x", "style": "loud"]]
        cards.append(control)
        let schema = PythonValidator.vendor.appendingPathComponent("adaptive-card-1.5.0.json")
        #expect(FileManager.default.fileExists(atPath: schema.path), "the declared version's schema is vendored")
        let output = try PythonValidator.run(PythonValidator.adaptiveCard, [schema.path], input: cards)
        let results = try #require(output as? [[String]])
        #expect(results.count == cards.count)
        #expect(results.last?.isEmpty == false, "the control card must fail the schema")
        for (index, errors) in results.dropLast().enumerated() {
            #expect(errors.isEmpty, "card \(index): \(errors)")
        }
    }

    @Test func slackBlocksValidateWithSlackSDK() throws {
        var messages: [Any] = try hostileMessages(.slack).map { try json($0) }
        // A control slack_sdk must reject: a header of 151 code points.
        let header = String(repeating: "😀", count: 151)
        messages.append(["blocks": [["type": "header", "text": ["type": "plain_text", "text": header]]]])
        let output = try PythonValidator.run(PythonValidator.slackBlocks, [], input: messages)
        let results = try #require(output as? [[String]])
        #expect(results.count == messages.count)
        #expect(results.last?.isEmpty == false, "the control message must fail slack_sdk's validation")
        for (index, errors) in results.dropLast().enumerated() {
            #expect(errors.isEmpty, "message \(index): \(errors)")
        }
    }

    @Test func teamsEscapesMarkdownInEveryValue() throws {
        let message = renderHostile(.teams, client: "[click](http://evil) **x** _y_", count: 1)
        #expect(!message.bodyText.contains("[click](http"))
        #expect(!message.bodyText.contains("**x**"))
        #expect(message.bodyText.contains(#"\\[click\\]\\(http://evil\\)"#))
        let many = renderHostile(.teams, client: "[click](http://evil)", count: 3)
        #expect(!many.bodyText.contains("](http"))
    }
}
