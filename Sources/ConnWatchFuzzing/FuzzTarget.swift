// The bodies of the libFuzzer targets (`make fuzz`), kept as plain functions so that the corpus replay
// test (`make test`) runs exactly the same code without the fuzzer.

import ConnWatchCore

/// One fuzz target: a function from arbitrary bytes to the list of properties the input broke.
///
/// A target never traps on its own; it returns what went wrong. The libFuzzer entry point traps when the
/// list is not empty (so libFuzzer records the input as a crasher), the replay test expects it empty.
public struct FuzzTarget: Sendable {
    /// The name used on the command line (`FUZZ_TARGET=…`) and as the corpus folder name.
    public let name: String
    /// What the target feeds the bytes to.
    public let summary: String
    private let body: @Sendable ([UInt8]) -> [String]

    init(_ name: String, _ summary: String, _ body: @escaping @Sendable ([UInt8]) -> [String]) {
        self.name = name
        self.summary = summary
        self.body = body
    }

    /// Runs the target on `bytes`; returns one text per broken property (empty when all hold).
    public func run(_ bytes: [UInt8]) -> [String] {
        body(bytes)
    }

    /// Every target, in the order `make fuzz` runs them.
    public static let all: [FuzzTarget] = [
        FuzzTarget("json-scanner", "JSONScanner over one top-level object", JSONScannerFuzz.run),
        FuzzTarget("timestamp", "Timestamp.parseISO8601 and formatISO8601", TimestampFuzz.run),
        FuzzTarget("watson-iot", "WatsonIoTDecoder (topic line + payload)", DecoderFuzz.watson),
        FuzzTarget("aws-iot", "AWSIoTDecoder (topic line + payload)", DecoderFuzz.aws),
        FuzzTarget("emqx", "EMQXDecoder (topic line + payload)", DecoderFuzz.emqx),
        FuzzTarget("presence", "LWT, Homie, Zigbee2MQTT and Sparkplug B decoders", DecoderFuzz.presence),
        FuzzTarget("config", "ConfigLoader.load(text:) on a rules file", ConfigFuzz.config),
        FuzzTarget("rule-tests", "RuleTestParser.parse(text:) on a rule test file", ConfigFuzz.ruleTests),
        FuzzTarget("text-template", "TextTemplate parse and render", TemplateFuzz.text),
        FuzzTarget("message-template", "MessageTemplate parse and render", TemplateFuzz.message),
        FuzzTarget("api-query", "QueryParameters, ClientStateQuery, ConnectionLogQuery, bookmarks", APIQueryFuzz.run),
        FuzzTarget("silence-body", "SilencesJSON.parse (POST /api/v1/silences) and matcher text", SilenceBodyFuzz.run),
        FuzzTarget(
            "topic-matcher",
            "TopicFilter.matches and lwt topic patterns (filter line + topic)",
            TopicMatcherFuzz.run
        ),
        FuzzTarget("state-store", "ConnectionLogBlob, ConnectionLog and TimeListBlob", StateStoreFuzz.run),
    ]

    /// The target called `name`, if there is one.
    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// Splits fuzz input into an MQTT topic (up to the first newline) and a payload (the rest).
enum FuzzInput {
    static func topicAndPayload(_ bytes: [UInt8], defaultTopic: String) -> (topic: String, payload: [UInt8]) {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return (defaultTopic, bytes) }
        let topic = String(decoding: bytes[..<newline], as: UTF8.self)
        return (topic, Array(bytes[(newline + 1)...]))
    }

    /// The text of `bytes` if they are UTF-8 (as the daemon requires of files it reads).
    static func text(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
    }
}
