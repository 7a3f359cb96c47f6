import Testing

@testable import ConnWatchCore

@Suite struct APIRouteTests {
    func route(_ method: String, _ path: String) -> APIRoute? { try? APIRoute.resolve(method: method, path: path) }

    @Test func resolvesEveryRoute() {
        #expect(route("GET", "/api/v0002/clientconnectionstates") == .clientStates)
        #expect(route("GET", "/api/v0002/clientconnectionstates/") == .clientStates)
        #expect(
            route("GET", "/api/v0002/clientconnectionstates/d:org1:sensor:s%2F1") == .clientState("d:org1:sensor:s/1")
        )
        #expect(route("GET", "/api/v0002/logs/connection") == .connectionLog)
        #expect(route("GET", "/api/v1/alerts") == .alerts)
        #expect(route("GET", "/api/v1/silences") == .silences)
        #expect(route("POST", "/api/v1/silences") == .createSilence)
        #expect(route("DELETE", "/api/v1/silences/abc") == .expireSilence("abc"))
        #expect(route("GET", "/metrics") == .metrics)
        #expect(route("GET", "/-/healthy") == .healthy)
        #expect(route("GET", "/-/ready") == .ready)
        #expect(route("POST", "/-/reload") == .reload)
        #expect(APIRoute.healthy.isPublic && !APIRoute.metrics.isPublic)
    }

    @Test func unknownPathIs404AndWrongMethod405() {
        #expect(throws: APIError.self) { try APIRoute.resolve(method: "GET", path: "/api/v2/alerts") }
        do {
            _ = try APIRoute.resolve(method: "GET", path: "/nope")
        } catch {
            #expect(error.status == 404)
        }
        do {
            _ = try APIRoute.resolve(method: "DELETE", path: "/metrics")
            Issue.record("DELETE /metrics resolved")
        } catch {
            #expect(error.status == 405)
        }
        do {
            _ = try APIRoute.resolve(method: "GET", path: "/api/v1/silences/%zz")
            Issue.record("a bad escape resolved")
        } catch {
            #expect(error.status == 400 && error.parameter == "id")
        }
    }

    @Test func headWhereverGetAnd405NamesTheAllowedMethods() {
        #expect(route("HEAD", "/metrics") == .metrics)
        #expect(route("HEAD", "/api/v0002/clientconnectionstates") == .clientStates)
        #expect(route("HEAD", "/-/healthy") == .healthy)
        #expect(route("HEAD", "/-/reload") == nil)
        let cases: [(String, String, String)] = [
            ("DELETE", "/metrics", "GET, HEAD"),
            ("PUT", "/api/v1/silences", "GET, HEAD, POST"),
            ("GET", "/api/v1/silences/abc", "DELETE"),
            ("GET", "/-/reload", "POST, PUT"),
            ("OPTIONS", "/api/v1/alerts", "GET, HEAD"),
        ]
        for (method, path, allowed) in cases {
            do {
                _ = try APIRoute.resolve(method: method, path: path)
                Issue.record("\(method) \(path) resolved")
            } catch {
                #expect(error.status == 405)
                #expect(error.response.headers["Allow"] == allowed, "\(method) \(path)")
            }
        }
        #expect(
            APIRoute.createSilence.takesBody && !APIRoute.reload.takesBody && !APIRoute.expireSilence("x").takesBody
        )
    }

    @Test func errorsRenderAsJSONWithTheParameter() throws {
        let response = APIError.badParameter("_limit", "too big").response
        #expect(response.status == 400)
        let body = try #require(try json(response) as? [String: String])
        #expect(body == ["error": "too big", "parameter": "_limit"])
    }

    @Test func bearerTokenMustMatchExactly() {
        #expect(BearerToken.authorizes(header: "Bearer s3cret", token: "s3cret"))
        #expect(BearerToken.authorizes(header: "bearer s3cret", token: "s3cret"))
        #expect(!BearerToken.authorizes(header: "Bearer s3cre", token: "s3cret"))
        #expect(!BearerToken.authorizes(header: "Bearer s3cretx", token: "s3cret"))
        #expect(!BearerToken.authorizes(header: "Basic s3cret", token: "s3cret"))
        #expect(!BearerToken.authorizes(header: nil, token: "s3cret"))
        #expect(!BearerToken.authorizes(header: "Bearer ", token: ""))
    }

    @Test func queryParametersDecodeAndRejectDuplicates() throws {
        let parameters = try QueryParameters(parsing: "a=x%20y&b=1+2&c")
        #expect(try parameters.value("a") == "x y")
        #expect(try parameters.value("b") == "1 2")
        #expect(try parameters.value("c") == "")
        #expect(try parameters.value("d") == nil)
        #expect(throws: APIError.self) { try QueryParameters(parsing: "a=1&a=2").value("a") }
    }
}

@Suite struct ConnectionLogQueryTests {
    func logQuery(_ text: String) throws(APIError) -> ConnectionLogQuery {
        try ConnectionLogQuery(QueryParameters(parsing: text))
    }

    var subject: ClientState { client("s1") }

    /// The subject's connection log, oldest first.
    var subjectLog: [ConnectionLogEntry] {
        let state = subject
        var log: [ConnectionLogEntry] = []
        for (offset, action) in [StatusAction.connect, .disconnect, .failedConnect, .connect].enumerated() {
            let event = StatusEvent(
                action: action,
                clientID: state.clientID,
                time: 1_000 * Int64(offset + 1),
                reasonCode: action == .disconnect ? 288 : nil,
                reasonText: action == .disconnect ? "The connection timed out" : nil,
                cause: action == .disconnect ? .keepAliveTimeout : nil,
                initiator: action == .disconnect ? .network : nil,
                clientAddress: "203.0.113.17"
            )
            log.append(ConnectionLogEntry(event: event, applied: offset != 2))
        }
        return log
    }

    @Test func findsByTypeAndDeviceOrClientID() throws {
        let clients = [client("s0"), subject]
        let lookup: (String) -> ClientState? = { id in clients.first { $0.clientID == id } }
        let byDevice: (String, String) -> ClientState? = { type, device in
            clients.first { $0.typeID == type && $0.deviceID == device }
        }
        #expect(try logQuery("typeId=sensor&deviceId=s1").find(byID: lookup, byDevice: byDevice)?.deviceID == "s1")
        #expect(try logQuery("clientId=d:org1:sensor:s1").find(byID: lookup, byDevice: byDevice)?.deviceID == "s1")
        #expect(try logQuery("typeId=sensor&deviceId=zz").find(byID: lookup, byDevice: byDevice) == nil)
    }

    @Test func newestFirstWithLimitOffsetAndTimes() throws {
        let times = { (text: String) in try self.logQuery(text).entries(of: self.subjectLog).map(\.time) }
        #expect(try times("clientId=x") == [4000, 3000, 2000, 1000])
        #expect(try times("clientId=x&limit=2") == [4000, 3000])
        #expect(try times("clientId=x&limit=2&offset=1") == [3000, 2000])
        #expect(
            try times("clientId=x&fromTime=1970-01-01T00:00:02Z&toTime=1970-01-01T00:00:03Z") == [3000, 2000]
        )
    }

    @Test func rendersMessagesAndFields() throws {
        let entries = try logQuery("clientId=x").entries(of: subjectLog)
        let body = try #require(
            try json(ConnectionLogQuery.render(entries, clientID: subject.clientID)) as? [[String: Any]]
        )
        #expect(body.count == 4)
        let disconnect = body[2]
        #expect(disconnect["timestamp"] as? String == "1970-01-01T00:00:02.000Z")
        #expect(disconnect["action"] as? String == "Disconnect")
        #expect(disconnect["disconnectedBy"] as? String == "network")
        #expect(disconnect["reasonCode"] as? Int == 288)
        let message = try #require(disconnect["message"] as? String)
        #expect(message.contains("closed by the network") && message.contains("The connection timed out"))
        #expect(message.contains("ClientIP=203.0.113.17"))
        #expect((body[1]["message"] as? String)?.contains("out of order") == true)
        #expect(body[1]["applied"] as? Bool == false)
    }

    @Test func badParametersName() {
        let cases: [(String, String)] = [
            ("", "typeId"), ("typeId=sensor", "deviceId"), ("clientId=x&typeId=y", "clientId"),
            ("clientId=x&limit=0", "limit"), ("clientId=x&limit=1001", "limit"), ("clientId=x&offset=-1", "offset"),
            ("clientId=x&fromTime=now", "fromTime"), ("clientId=x&toTime=now", "toTime"),
            ("clientId=x&fromTime=1970-01-01T00:00:02Z&toTime=1970-01-01T00:00:01Z", "toTime"),
            ("clientId=x&_limit=1", "_limit"), ("clientId=", "clientId"),
        ]
        for (text, parameter) in cases {
            do {
                _ = try logQuery(text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.status == 400 && error.parameter == parameter, "\(text): \(error)")
            }
        }
    }
}
