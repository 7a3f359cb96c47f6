import ConnWatchCore

/// Fuzz bodies for the monitor-feed decoders, the JSON scanner and timestamps.
enum DecoderFuzz {
    /// The receive time handed to the decoders.
    static let receivedAt: Int64 = 1_767_225_600_000

    static func watson(_ bytes: [UInt8]) -> [String] {
        check(WatsonIoTDecoder(), bytes, defaultTopic: "iot-2/type/sensor/id/pump-1/mon")
    }

    static func aws(_ bytes: [UInt8]) -> [String] {
        check(AWSIoTDecoder(), bytes, defaultTopic: "$aws/events/presence/connected/pump-1")
    }

    static func emqx(_ bytes: [UInt8]) -> [String] {
        check(EMQXDecoder(), bytes, defaultTopic: "$SYS/brokers/emqx@node1/clients/pump-1/connected")
    }

    /// The Last-Will style decoders; the first byte picks one (so one corpus covers all of them).
    static func presence(_ bytes: [UInt8]) -> [String] {
        guard let selector = bytes.first else { return [] }
        let rest = Array(bytes.dropFirst())
        switch selector % 6 {
        case 0: return check(LWTDecoder.tasmota, rest, defaultTopic: "tele/plug-1/LWT")
        case 1:
            let options = LWTOptions(
                clientID: .level(2),
                online: ["up", "Online"],
                offline: ["gone"],
                cleanOffline: ["bye"],
                jsonField: "state"
            )
            return check(LWTDecoder(options: options), rest, defaultTopic: "devices/pump-7/status")
        case 2:
            let pattern = (try? LWTOptions.parsePattern("site/+/{client_id}/#").get()) ?? []
            return check(
                LWTDecoder(options: LWTOptions(clientID: .pattern(pattern))),
                rest,
                defaultTopic: "site/a/pump-2/state"
            )
        case 3: return check(HomieDecoder(), rest, defaultTopic: "homie/5/pump-3/$state")
        case 4: return check(Zigbee2MQTTDecoder(), rest, defaultTopic: "zigbee2mqtt/kitchen/lamp/availability")
        default: return check(SparkplugDecoder(), rest, defaultTopic: "spBv1.0/STATE/host-1")
        }
    }

    /// Decodes twice (live and retained) and checks what every decoder promises.
    static func check(_ decoder: some StatusDecoder, _ bytes: [UInt8], defaultTopic: String) -> [String] {
        let (topic, payload) = FuzzInput.topicAndPayload(bytes, defaultTopic: defaultTopic)
        var problems: [String] = []
        for retained in [false, true] {
            let first = outcome(decoder, topic, payload, retained)
            let second = outcome(decoder, topic, payload, retained)
            if first != second { problems.append("decoding is not deterministic (retained \(retained))") }
            switch first {
            case .success(.event(let event)):
                if event.clientID.isEmpty { problems.append("decoded event has an empty client id") }
                if event.retained != retained { problems.append("event.retained is not the message's flag") }
                if event.action == .connect && (event.cause != nil || event.reasonCode != nil) {
                    problems.append("a connect carries a disconnect cause or reason code")
                }
            case .success(.topicCleared(let cleared)):
                if !retained || !payload.isEmpty { problems.append("topicCleared for a live or non-empty message") }
                if cleared != topic { problems.append("topicCleared names another topic") }
            case .failure(let error):
                if let offset = error.offset, offset < 0 || offset > payload.count {
                    problems.append("error offset \(offset) outside the payload of \(payload.count) bytes")
                }
                if error.detail.isEmpty { problems.append("error without a detail") }
            }
        }
        return problems
    }

    private static func outcome(
        _ decoder: some StatusDecoder,
        _ topic: String,
        _ payload: [UInt8],
        _ retained: Bool
    ) -> Result<DecodeOutcome, DecodeError> {
        do throws(DecodeError) {
            return .success(
                try decoder.decode(topic: topic, bytes: payload, retained: retained, receivedAt: receivedAt)
            )
        } catch {
            return .failure(error)
        }
    }
}

/// Walks one JSON object with ``JSONScanner``, reading every value as its own kind.
enum JSONScannerFuzz {
    static func run(_ bytes: [UInt8]) -> [String] {
        let first = scan(bytes)
        var problems: [String] = []
        if first != scan(bytes) { problems.append("scanning is not deterministic") }
        if case .failure(let error) = first, let offset = error.offset, offset < 0 || offset > bytes.count {
            problems.append("error offset \(offset) outside the \(bytes.count) input bytes")
        }
        if case .success(let keys) = first {
            for key in keys where key.offset < 0 || key.offset > bytes.count {
                problems.append("key offset \(key.offset) outside the input")
            }
        }
        return problems
    }

    /// What the scanner made of the input: the keys and values it read, or the error that stopped it.
    struct Member: Equatable {
        var key: String
        var offset: Int
        var value: String
    }

    static func scan(_ bytes: [UInt8]) -> Result<[Member], DecodeError> {
        bytes.withUnsafeBufferPointer { buffer -> Result<[Member], DecodeError> in
            var scanner = JSONScanner(buffer)
            var members: [Member] = []
            do throws(DecodeError) {
                var index = 0
                while let key = try scanner.nextKey() {
                    var member = Member(key: key.makeString(), offset: key.offset, value: "")
                    // Every third value is left for nextKey() to skip; the others are read by kind.
                    if index % 3 != 2 {
                        switch try scanner.peekKind() {
                        case .string:
                            let token = try scanner.readStringToken()
                            member.value = token.makeString()
                            if token.withUnescapedBytes({ Array($0) }) != Array(member.value.utf8) {
                                member.value = "mismatch"
                            }
                        case .number:
                            do throws(DecodeError) {
                                member.value = String(try scanner.readInt64())
                            } catch {
                                if error.code != .invalidValue { throw error }
                                member.value = "non-integer"
                            }
                        case .bool: member.value = String(try scanner.readBool())
                        case .null: member.value = String(try scanner.readNull())
                        case .object, .array: try scanner.skipValue()
                        }
                    }
                    members.append(member)
                    index += 1
                }
                return .success(members)
            } catch {
                return .failure(error)
            }
        }
    }
}

/// Timestamps: parsing never traps, and a parsed time formats and parses back to itself.
enum TimestampFuzz {
    /// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the UTC range of four-digit years.
    static let firstMillisecond: Int64 = -62_167_219_200_000
    static let endMillisecond: Int64 = 253_402_300_800_000

    static func run(_ bytes: [UInt8]) -> [String] {
        var problems: [String] = []
        let parsed = Timestamp.parseISO8601(bytes)
        if parsed != Timestamp.parseISO8601(bytes) { problems.append("parsing is not deterministic") }
        if let text = FuzzInput.text(bytes), Timestamp.parseISO8601(text) != parsed {
            problems.append("the String and byte parsers disagree")
        }
        // A parsed time formats and parses back to itself when its UTC year is one the parser reads (a zone
        // offset can carry 9999-12-31T23:59:59-23:59 into year 10000, written `+10000-…`; found by the fuzzer).
        if let parsed, parsed >= firstMillisecond, parsed < endMillisecond {
            let formatted = Timestamp.formatISO8601(milliseconds: parsed)
            if Timestamp.parseISO8601(formatted) != parsed {
                problems.append("\(parsed) formats as \(formatted), which does not parse back")
            }
        }
        // Any 8 bytes as milliseconds: formatting never traps, and years 0…9999 round-trip.
        if bytes.count >= 8 {
            let milliseconds = bytes.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
            let formatted = Timestamp.formatISO8601(milliseconds: milliseconds)
            let year = formatted.prefix(4)
            if year.allSatisfy(\.isNumber), Timestamp.parseISO8601(formatted) != milliseconds {
                problems.append("\(milliseconds) formats as \(formatted), which does not parse back")
            }
        }
        return problems
    }
}
