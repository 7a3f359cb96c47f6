import Foundation
import Testing

@testable import ConnWatchCore

@Suite struct ClientStateQueryTests {
    let t0 = ms("2026-11-01T00:00:00Z")
    let hour: Int64 = 3_600_000

    var fleet: [ClientState] {
        [
            client("a", status: .connected, connected: t0 + 5 * hour, disconnected: t0 + 4 * hour),
            client("b", status: .disconnected, connected: t0 + hour, disconnected: t0 + 2 * hour),
            client("c", type: "gateway", status: .disconnected, connected: t0, disconnected: t0 + 3 * hour),
            client("d", status: .unknown),
            client("e", type: "gateway", status: .connected, connected: t0 + 6 * hour, clientType: .gateway),
        ]
    }

    func ids(_ page: ClientStateQuery.Page) -> [String] { page.results.map(\.deviceID) }

    @Test func filtersByStatusTypeAndIds() throws {
        #expect(ids(try query("connectionStatus=connected", fleet)) == ["e", "a"])
        #expect(ids(try query("connectionStatus=disconnected", fleet)) == ["c", "b"])
        #expect(ids(try query("connectionStatus=unknown", fleet)) == ["d"])
        #expect(ids(try query("clientType=gateway", fleet)) == ["e"])
        #expect(ids(try query("typeId=gateway", fleet)) == ["c", "e"])
        #expect(ids(try query("deviceType=gateway", fleet)) == ["c", "e"])
        #expect(ids(try query("deviceId=b", fleet)) == ["b"])
        #expect(ids(try query("typeId=gateway&connectionStatus=connected", fleet)) == ["e"])
    }

    /// `broker` (a connwatch extension) names the configured broker whose feed reported the client.
    @Test func filtersByBroker() throws {
        var clients = fleet
        clients[1].broker = "edge"
        clients[4].broker = "edge"
        #expect(ids(try query("broker=edge", clients)) == ["e", "b"])
        #expect(ids(try query("broker=test&connectionStatus=disconnected", clients)) == ["c"])
        #expect(ids(try query("broker=Edge", clients)).isEmpty)
        #expect(ids(try query("broker=edg", clients)).isEmpty)
        #expect(queryError("broker=")?.parameter == "broker")
        #expect(queryError("broker=a&broker=b")?.parameter == "broker")
        #expect(queryError("brokers=a")?.message.contains("did you mean 'broker'") == true)
    }

    /// Whatever text comes as `broker` is a 400 naming it or an empty page, never a crash; texts
    /// compare by their bytes, as in the store: another normalization of a name is another name.
    @Test func hostileBrokerNamesFindNothing() throws {
        var clients = fleet
        clients[0].broker = "caf\u{E9}"
        clients[2].broker = "a"
        let long = String(repeating: "%F0%9F%91%A9", count: 50_000)
        for text in [
            "%00", "a%00", "a%00b", "%0A%0D%09", "%7F", "%E2%80%AE", "%EF%BB%BF", "%EF%BB%BFtest", "cafe%CC%81",
            "%F4%8F%BF%BF",
            "%20", "%25", "'%20OR%201=1--", "%22%5C", long,
        ] {
            let page = try query("broker=\(text)", clients)
            #expect(page.results.isEmpty, "\(text.prefix(40))")
        }
        #expect(ids(try query("broker=caf%C3%A9", clients)) == ["a"])
        // Every decoded byte is kept: Foundation's decoding would drop the byte order mark.
        #expect(
            QueryParameters.decode("%EF%BB%BFtest").map { Array($0.utf8) } == [0xEF, 0xBB, 0xBF] + Array("test".utf8)
        )
        // Not UTF-8 after percent-decoding: a 400 naming the parameter.
        for text in ["%FF", "%C3", "%ED%A0%80", "%zz"] {
            #expect(queryError("broker=\(text)")?.parameter == "broker", "\(text)")
        }
    }

    @Test func timeFiltersAreHalfOpen() throws {
        let at2 = Timestamp.formatISO8601(milliseconds: t0 + 2 * hour)
        let at5 = Timestamp.formatISO8601(milliseconds: t0 + 5 * hour)
        #expect(ids(try query("lastConnectedAfter=\(at5)", fleet)) == ["e", "a"])
        #expect(ids(try query("connectedAfter=\(at5)", fleet)) == ["e", "a"])
        #expect(ids(try query("lastConnectedBefore=\(at5)", fleet)) == ["c", "b"])
        #expect(ids(try query("lastDisconnectedAfter=\(at2)", fleet)) == ["c", "a", "b"])
        #expect(ids(try query("lastDisconnectedBefore=\(at2)", fleet)).isEmpty)
        #expect(ids(try query("lastActivityAfter=\(at5)", fleet)) == ["e", "a"])
        #expect(ids(try query("lastActivityBefore=\(at5)", fleet)) == ["c", "b"])
        // An encoded zone offset: 07:00+02:00 is 05:00Z.
        #expect(ids(try query("lastActivityAfter=2026-11-01T07:00:00%2B02:00", fleet)) == ["e", "a"])
    }

    @Test func sortsAscendingAndDescendingWithMissingTimesFirst() throws {
        #expect(ids(try query("_sort=-id", fleet)) == ["d", "b", "a", "e", "c"])
        #expect(ids(try query("_sort=lastConnectTime", fleet)) == ["d", "c", "b", "a", "e"])
        #expect(ids(try query("_sort=-lastActivityTime", fleet)) == ["e", "a", "c", "b", "d"])
        #expect(ids(try query("_sort=lastDisconnectTime", fleet)) == ["e", "d", "b", "c", "a"])
        #expect(ids(try query("_sort=connectionStatus", fleet)) == ["e", "a", "c", "b", "d"])
        #expect(ids(try query("_sort=-clientType", fleet)) == ["e", "c", "a", "b", "d"])
    }

    @Test func pagesThroughThousandsWithBookmarks() throws {
        var clients: [ClientState] = []
        for number in 0..<3000 {
            let status: ConnectionStatus = number % 3 == 0 ? .disconnected : .connected
            // Many equal times: the id breaks ties.
            clients.append(client("dev-\(number)", status: status, connected: t0 + Int64(number % 17) * hour))
        }
        clients.shuffle()
        for sort in ["id", "-lastConnectTime", "connectionStatus", "lastActivityTime"] {
            var seen: [String] = []
            var bookmark: String?
            var pages = 0
            repeat {
                let text = "_sort=\(sort)&_limit=100" + (bookmark.map { "&_bookmark=\($0)" } ?? "")
                let page = try query(text, clients)
                #expect(page.results.count <= 100)
                seen += page.results.map(\.clientID)
                bookmark = page.bookmark?.text
                pages += 1
            } while bookmark != nil && pages < 100
            #expect(pages == 30, "sort \(sort)")
            #expect(seen.count == 3000 && Set(seen).count == 3000, "sort \(sort)")
            let whole = try query("_sort=\(sort)&_limit=100", clients)
            #expect(Array(seen.prefix(100)) == whole.results.map(\.clientID))
        }
    }

    @Test func bookmarkStaysValidWhenClientsArrive() throws {
        // Ids sort by type first: gateway:c, gateway:e, sensor:a, sensor:b, sensor:d.
        var clients = fleet
        let first = try query("_limit=2", clients)
        #expect(ids(first) == ["c", "e"])
        let bookmark = try #require(first.bookmark).text
        clients.append(client("b0", type: "gateway"))  // sorts before the bookmark: not repeated
        clients.append(client("aa"))  // after it: included
        let second = try query("_limit=2&_bookmark=\(bookmark)", clients)
        #expect(ids(second) == ["a", "aa"])
        // The same call again gives the same page.
        #expect(ids(try query("_limit=2&_bookmark=\(bookmark)", clients)) == ["a", "aa"])
    }

    /// A bookmark sorted by id carries the id as its value; one with a text value (api-query's seed
    /// bookmark-id-with-text-value) would page differently in memory and in the store, and is refused.
    @Test func idBookmarksCarryNoOtherValue() {
        let valid = ClientStateQuery.Bookmark(sort: .id, descending: false, value: .text("pump-7"), id: "pump-7")
        #expect(ClientStateQuery.Bookmark(valid.text) == valid)
        #expect(ClientStateQuery.Bookmark("MQppZApzcHVtcC05CnB1bXAtNw") == nil)
    }

    @Test func lastPageHasNoBookmark() throws {
        #expect(try query("_limit=5", fleet).bookmark == nil)
        #expect(try query("_limit=4", fleet).bookmark != nil)
        #expect(try query("", fleet).results.count == 5)
    }

    @Test func everyBadParameterIsA400NamingIt() {
        let cases: [(String, String)] = [
            ("connectionStatus=online", "connectionStatus"),
            ("lastConnectedAfter=yesterday", "lastConnectedAfter"),
            ("connectedAfter=2026-11-01T00:00:00", "connectedAfter"),
            ("lastConnectedBefore=2026-13-01T00:00:00Z", "lastConnectedBefore"),
            ("lastDisconnectedAfter=1", "lastDisconnectedAfter"),
            ("lastDisconnectedBefore=", "lastDisconnectedBefore"),
            ("lastActivityAfter=x", "lastActivityAfter"),
            ("lastActivityBefore=x", "lastActivityBefore"),
            ("clientType=robot", "clientType"),
            ("_limit=0", "_limit"),
            ("_limit=101", "_limit"),
            ("_limit=ten", "_limit"),
            ("_sort=name", "_sort"),
            ("_bookmark=garbage!", "_bookmark"),
            ("_bookmark=", "_bookmark"),
            ("connectionStatus=connected&connectionStatus=disconnected", "connectionStatus"),
            ("typeId=a&deviceType=b", "deviceType"),
            ("lastConnectedAfter=2026-11-01T00:00:00Z&connectedAfter=2026-11-01T00:00:00Z", "connectedAfter"),
            ("limit=5", "limit"),
            ("deviceId=%zz", "deviceId"),
            ("typeId=", "typeId"),
            ("deviceType=", "deviceType"),
            ("deviceId=", "deviceId"),
        ]
        for (text, parameter) in cases {
            let error = queryError(text)
            #expect(error?.status == 400, "\(text)")
            #expect(error?.parameter == parameter, "\(text)")
        }
        #expect(queryError("lastconnectedafter=x")?.message.contains("did you mean 'lastConnectedAfter'") == true)
    }

    @Test func bookmarkOfAnotherSortIsRejected() throws {
        let page = try query("_limit=1&_sort=-lastConnectTime", fleet)
        let bookmark = try #require(page.bookmark).text
        #expect(queryError("_bookmark=\(bookmark)")?.parameter == "_bookmark")
        #expect(queryError("_sort=-lastConnectTime&_bookmark=\(bookmark)") == nil)
    }

    @Test func rendersThePlatformFieldsAndOwnOnes() throws {
        let page = try query("deviceId=b", fleet)
        let body = try #require(try json(ClientStateJSON.page(page)) as? [String: Any])
        #expect(body["bookmark"] == nil)
        let item = try #require((body["results"] as? [[String: Any]])?.first)
        #expect(item["id"] as? String == "d:org1:sensor:b")
        #expect(item["clientType"] as? String == "device")
        #expect(item["connectionStatus"] as? String == "disconnected")
        #expect(item["lastConnectTime"] as? String == "2026-11-01T01:00:00.000Z")
        #expect(item["lastDisconnectTime"] as? String == "2026-11-01T02:00:00.000Z")
        #expect(item["lastActivityEvent"] as? String == "mqttDisconnect")
        #expect(item["lastActivityTime"] as? String == "2026-11-01T02:00:00.000Z")
        #expect(item["mqttConnectProtocol"] as? String == "3.1.1")
        #expect(item["disconnectedBy"] as? String == "network")
        #expect(item["reasonCode"] as? Int == 4)
        #expect(item["reason"] as? String == "keep-alive timeout")
        #expect(item["cause"] as? String == "keepalive_timeout")
        #expect(item["typeId"] as? String == "sensor")
        #expect(item["transport"] == nil)
        let unknown = ClientStateJSON.single(nil, id: "d:x")
        #expect(unknown.status == 404)
        #expect(unknown.bodyText.contains("d:x"))
    }

    /// A Watson `mqtt4-ws` client is `3.1.1` over WebSocket: the level the platform reports, and the transport.
    @Test func webSocketProtocolsKeepTheirTransport() throws {
        for (name, level, transport) in [
            ("mqtt4-ws", "3.1.1", "websocket"), ("mqtt3-ws", "3.1", "websocket"), ("mqttv5-ws", "5.0", "websocket"),
            ("mqtt4-tcp", "3.1.1", "tcp"), ("mqtt4", "3.1.1", nil), ("mqtt5", "5.0", nil),
        ] as [(String, String, String?)] {
            var state = client(name)
            state.protocolName = name
            var writer = JSONWriter()
            ClientStateJSON.write(state, into: &writer)
            let item = try #require(
                try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any]
            )
            #expect(item["mqttConnectProtocol"] as? String == level, "\(name)")
            #expect(item["transport"] as? String == transport, "\(name)")
        }
    }
}
