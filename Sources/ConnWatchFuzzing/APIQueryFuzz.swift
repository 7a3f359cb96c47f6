import ConnWatchCore

/// The query API's query strings: ``QueryParameters`` and the two endpoints that read them
/// (``ClientStateQuery``, ``ConnectionLogQuery``), with the client-state bookmarks.
enum APIQueryFuzz {
    static func run(_ bytes: [UInt8]) -> [String] {
        let query = String(decoding: bytes, as: UTF8.self)
        let first = parse(query)
        var problems: [String] = []
        if first != parse(query) { problems.append("parsing is not deterministic") }
        switch first {
        case .failure(let error): problems += refused(error, "query string")
        case .success(let parameters):
            let parts = query.split(separator: "&", omittingEmptySubsequences: true).count
            if parameters.pairs.count != parts {
                problems.append("\(parameters.pairs.count) pairs from \(parts) parts")
            }
            let encoded = parameters.pairs.map { encode($0.name) + "=" + encode($0.value) }.joined(separator: "&")
            if parse(encoded) != first { problems.append("the pairs re-encoded as '\(encoded)' parse differently") }
            problems += clientStates(parameters) + connectionLog(parameters)
        }
        problems += bookmark(query)
        return problems
    }

    /// A page size in range, and a bookmark that belongs to the query's sort order.
    private static func clientStates(_ parameters: QueryParameters) -> [String] {
        let query: ClientStateQuery
        do throws(APIError) {
            query = try ClientStateQuery(parameters)
        } catch {
            return refused(error, "clientconnectionstates")
        }
        var problems: [String] = []
        if !(1...ClientStateQuery.maximumLimit).contains(query.limit) { problems.append("_limit \(query.limit)") }
        if let after = query.after, after.sort != query.sort || after.descending != query.descending {
            problems.append("a bookmark of another sort order was accepted")
        }
        return problems
    }

    /// Limit, offset and time range in range, and a client named.
    private static func connectionLog(_ parameters: QueryParameters) -> [String] {
        let query: ConnectionLogQuery
        do throws(APIError) {
            query = try ConnectionLogQuery(parameters)
        } catch {
            return refused(error, "logs/connection")
        }
        var problems: [String] = []
        if !(1...ConnectionLogQuery.maximumLimit).contains(query.limit) { problems.append("limit \(query.limit)") }
        if !(0...100_000).contains(query.offset) { problems.append("offset \(query.offset)") }
        if let from = query.fromTime, let to = query.toTime, to < from { problems.append("toTime before fromTime") }
        switch query.target {
        case .clientID(let id) where id.isEmpty: problems.append("an empty clientId")
        case .device(let type, let device) where type.isEmpty || device.isEmpty: problems.append("an empty device")
        default: break
        }
        return problems
    }

    /// The input as a bookmark's text: one the API accepts is one it could have written (its text reads
    /// back as the same bookmark).
    private static func bookmark(_ text: String) -> [String] {
        guard let bookmark = ClientStateQuery.Bookmark(text) else { return [] }
        if ClientStateQuery.Bookmark(bookmark.text) != bookmark {
            return ["bookmark '\(text)' is read as \(bookmark), whose text '\(bookmark.text)' reads differently"]
        }
        return []
    }

    /// A refusal is a 400 that names the parameter it refuses.
    private static func refused(_ error: APIError, _ what: String) -> [String] {
        var problems: [String] = []
        if error.status != 400 { problems.append("\(what): status \(error.status) for a bad query") }
        // The name may be empty: `?=x` has a parameter without a name.
        if error.parameter == nil { problems.append("\(what): '\(error.message)' names no parameter") }
        if error.message.isEmpty { problems.append("\(what): a refusal without a message") }
        return problems
    }

    private static func parse(_ query: String) -> Result<QueryParameters, APIError> {
        do throws(APIError) {
            return .success(try QueryParameters(parsing: query))
        } catch {
            return .failure(error)
        }
    }

    /// Percent-encodes every byte but letters, digits and `-._~`.
    private static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            default: bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
