import Foundation

/// `GET /api/v0002/clientconnectionstates`: filters, sort order, page size and bookmark, read from
/// the query string, and run over the client table.
///
/// Time filters are half-open: `…After` includes the instant, `…Before` excludes it; a client
/// without the time (never connected, say) matches neither.
public struct ClientStateQuery: Sendable, Equatable {
    /// The platform's default page size.
    public static let defaultLimit = 25
    /// The largest page.
    public static let maximumLimit = 100

    /// The parameters the endpoint accepts.
    public static let parameters = [
        "connectionStatus", "lastConnectedAfter", "connectedAfter", "lastConnectedBefore", "lastDisconnectedAfter",
        "lastDisconnectedBefore", "lastActivityAfter", "lastActivityBefore", "clientType", "typeId", "deviceType",
        "deviceId", "broker", "_limit", "_bookmark", "_sort",
    ]

    /// A key results can be sorted by.
    public enum SortKey: String, Sendable, CaseIterable {
        case id
        case connectionStatus
        case clientType
        case lastConnectTime
        case lastDisconnectTime
        case lastActivityTime
    }

    public var connectionStatus: ConnectionStatus?
    public var lastConnectedAfter: Int64?
    public var lastConnectedBefore: Int64?
    public var lastDisconnectedAfter: Int64?
    public var lastDisconnectedBefore: Int64?
    public var lastActivityAfter: Int64?
    public var lastActivityBefore: Int64?
    public var clientType: ClientType?
    public var typeID: String?
    public var deviceID: String?
    /// The configured name of the broker whose feed reported the client (a connwatch extension).
    public var broker: String?
    public var limit = Self.defaultLimit
    public var sort = SortKey.id
    public var descending = false
    /// Where the previous page ended.
    public var after: Bookmark?

    public init() {}

    /// Reads the query string; every bad or unknown parameter is a 400 naming it.
    public init(_ parameters: QueryParameters) throws(APIError) {
        try parameters.requireKnown(Self.parameters)
        if let text = try parameters.value("connectionStatus") {
            guard let status = [ConnectionStatus.connected, .disconnected, .unknown].first(where: { $0.label == text })
            else {
                throw .badParameter("connectionStatus", "must be connected, disconnected or unknown, not '\(text)'")
            }
            connectionStatus = status
        }
        let after = try parameters.time("lastConnectedAfter")
        let alias = try parameters.time("connectedAfter")
        if after != nil && alias != nil {
            throw .badParameter("connectedAfter", "give lastConnectedAfter or its alias connectedAfter, not both")
        }
        lastConnectedAfter = after ?? alias
        lastConnectedBefore = try parameters.time("lastConnectedBefore")
        lastDisconnectedAfter = try parameters.time("lastDisconnectedAfter")
        lastDisconnectedBefore = try parameters.time("lastDisconnectedBefore")
        lastActivityAfter = try parameters.time("lastActivityAfter")
        lastActivityBefore = try parameters.time("lastActivityBefore")
        if let text = try parameters.value("clientType") {
            guard let type = ClientType(label: text) else {
                let names = ClientType.allCases.map(\.label).joined(separator: ", ")
                throw .badParameter("clientType", "must be one of \(names), not '\(text)'")
            }
            clientType = type
        }
        let typeID = try parameters.value("typeId")
        let deviceType = try parameters.value("deviceType")
        if typeID != nil && deviceType != nil {
            throw .badParameter("deviceType", "give typeId or its alias deviceType, not both")
        }
        self.typeID = typeID ?? deviceType
        deviceID = try parameters.value("deviceId")
        broker = try parameters.value("broker")
        for (name, value) in [
            ("typeId", typeID), ("deviceType", deviceType), ("deviceId", deviceID), ("broker", broker),
        ]
        where value?.isEmpty == true {
            throw .badParameter(name, "must not be empty")
        }
        limit = try parameters.int("_limit", in: 1...Self.maximumLimit, default: Self.defaultLimit)
        if let text = try parameters.value("_sort") {
            let name = text.hasPrefix("-") || text.hasPrefix("+") ? String(text.dropFirst()) : text
            guard let key = SortKey(rawValue: name) else {
                let names = SortKey.allCases.map(\.rawValue).joined(separator: ", ")
                throw .badParameter("_sort", "sorts by one of \(names) (prefix - for descending), not '\(text)'")
            }
            sort = key
            descending = text.hasPrefix("-")
        }
        if let text = try parameters.value("_bookmark") {
            guard let bookmark = Bookmark(text), bookmark.sort == sort, bookmark.descending == descending else {
                throw .badParameter("_bookmark", "not a bookmark of this query (the sort order must stay the same)")
            }
            self.after = bookmark
        }
    }

    /// Whether `client` passes every filter. Texts are equal when their UTF-8 bytes are, as the
    /// store compares them (Swift's `==` would also match another normalization of the same text).
    public func matches(_ client: ClientState) -> Bool {
        func equal(_ wanted: String?, _ actual: String) -> Bool {
            wanted.map { $0.utf8.elementsEqual(actual.utf8) } ?? true
        }
        if let connectionStatus, client.status != connectionStatus { return false }
        if let clientType, client.clientType != clientType { return false }
        guard equal(typeID, client.typeID), equal(deviceID, client.deviceID), equal(broker, client.broker) else {
            return false
        }
        return Self.within(client.lastConnectTime, lastConnectedAfter, lastConnectedBefore)
            && Self.within(client.lastDisconnectTime, lastDisconnectedAfter, lastDisconnectedBefore)
            && Self.within(client.lastActivityTime, lastActivityAfter, lastActivityBefore)
    }

    private static func within(_ time: Int64?, _ after: Int64?, _ before: Int64?) -> Bool {
        if after == nil && before == nil { return true }
        guard let time else { return false }
        if let after, time < after { return false }
        if let before, time >= before { return false }
        return true
    }

    /// One page of results and the bookmark of the next one (`nil` on the last page).
    public struct Page: Sendable {
        public var results: [ClientState]
        public var bookmark: Bookmark?
    }

    /// Filters, sorts and pages `clients`. The order is total (ties broken by id), and a bookmark
    /// names a position in it, so paging is stable while clients come and go.
    public func run(over clients: some Sequence<ClientState>) -> Page {
        var matching = clients.filter { matches($0) }
        if let after { matching.removeAll { !after.precedes(key(of: $0), $0.clientID) } }
        let ordered = matching.sorted { precedes($0, $1) }
        return page(fromRows: Array(ordered.prefix(limit + 1)))
    }

    private func precedes(_ a: ClientState, _ b: ClientState) -> Bool {
        Bookmark(sort: sort, descending: descending, value: key(of: a), id: a.clientID).precedes(key(of: b), b.clientID)
    }

    /// The value `client` is sorted by.
    public func key(of client: ClientState) -> SortValue {
        switch sort {
        case .id: return .text(client.clientID)
        case .connectionStatus: return .text(client.status.label)
        case .clientType: return .text(client.clientType.label)
        case .lastConnectTime: return .time(client.lastConnectTime)
        case .lastDisconnectTime: return .time(client.lastDisconnectTime)
        case .lastActivityTime: return .time(client.lastActivityTime)
        }
    }

    /// A sort value: text, or a time where a missing one sorts first.
    public enum SortValue: Sendable, Hashable, Comparable {
        case text(String)
        case time(Int64?)

        public static func < (lhs: SortValue, rhs: SortValue) -> Bool {
            switch (lhs, rhs) {
            case (.text(let a), .text(let b)): return a < b
            case (.time(let a), .time(let b)):
                switch (a, b) {
                case (nil, nil), (.some, nil): return false
                case (nil, .some): return true
                case (.some(let x), .some(let y)): return x < y
                }
            case (.text, .time): return true
            case (.time, .text): return false
            }
        }
    }

    /// An opaque position in a sorted result: the sort, and the sort value and id of the last
    /// result a page returned. Written as base64url text.
    public struct Bookmark: Sendable, Equatable {
        public var sort: SortKey
        public var descending: Bool
        public var value: SortValue
        public var id: String

        public init(sort: SortKey, descending: Bool, value: SortValue, id: String) {
            self.sort = sort
            self.descending = descending
            self.value = value
            self.id = id
        }

        /// Whether the result (`value`, `id`) comes after this position.
        public func precedes(_ other: SortValue, _ otherID: String) -> Bool {
            if value != other { return descending ? other < value : value < other }
            return id < otherID
        }

        /// The text a client sends back as `_bookmark`.
        public var text: String {
            let valueText: String
            switch value {
            case .text where sort == .id: valueText = "i"
            case .text(let text): valueText = "s" + text
            case .time(let time): valueText = time.map { "t\($0)" } ?? "n"
            }
            let plain = ["1", (descending ? "-" : "") + sort.rawValue, valueText, id].joined(separator: "\n")
            return Data(plain.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }

        /// Reads a bookmark's text; `nil` if it is not one.
        public init?(_ text: String) {
            var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            guard text.count <= 4096, let data = Data(base64Encoded: base64),
                let plain = String(data: data, encoding: .utf8)
            else { return nil }
            let parts = plain.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4, parts[0] == "1" else { return nil }
            let descending = parts[1].hasPrefix("-")
            guard let sort = SortKey(rawValue: descending ? String(parts[1].dropFirst()) : parts[1]) else { return nil }
            let valueText = parts[2]
            // Sorted by id, the value is the id: any other value would page differently in memory
            // (which compares the value) and in the store (which compares the id).
            if sort == .id && valueText != "i" { return nil }
            let value: SortValue
            if valueText == "n" {
                value = .time(nil)
            } else if valueText == "i" && sort == .id {
                value = .text(parts[3])
            } else if valueText.hasPrefix("t"), let time = Int64(valueText.dropFirst()) {
                value = .time(time)
            } else if valueText.hasPrefix("s") {
                value = .text(String(valueText.dropFirst()))
            } else {
                return nil
            }
            let isTime = [SortKey.lastConnectTime, .lastDisconnectTime, .lastActivityTime].contains(sort)
            if case .time = value, !isTime { return nil }
            if case .text = value, isTime { return nil }
            self.init(sort: sort, descending: descending, value: value, id: parts[3])
        }
    }
}
