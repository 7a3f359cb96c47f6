import Testing

@testable import ConnWatchCore

/// `Engine.client(typeID:deviceID:)` finds what a pass over every client finds: through the
/// platform's client ids when one organisation is known, by a pass otherwise.
@Suite struct EngineDeviceLookupTests {
    let t0: Int64 = 1_790_000_000_000

    func event(_ clientID: String, org: String, type: String, device: String, kind: ClientType) -> StatusEvent {
        StatusEvent(
            action: .connect,
            clientID: clientID,
            clientType: kind,
            orgID: org,
            typeID: type,
            deviceID: device,
            time: t0
        )
    }

    /// The first client in table order with these ids, as the API found it before.
    func scan(_ engine: Engine, _ type: String, _ device: String) -> String? {
        engine.clients.first { $0.typeID == type && $0.deviceID == device }?.clientID
    }

    @Test func findsWhatAPassFindsWithOneOrganisationAndWithSeveral() {
        let engine = Engine(configuration: EngineConfiguration(), startTime: t0)
        var changes: [AlertChange] = []
        let clients = [
            event("d:org1:pump:p1", org: "org1", type: "pump", device: "p1", kind: .device),
            event("g:org1:gw:g1", org: "org1", type: "gw", device: "g1", kind: .gateway),
            // Not the platform's id form: found by the pass.
            event("pump-p2", org: "org1", type: "pump", device: "p2", kind: .device),
        ]
        for client in clients { engine.handle(client, broker: "b", now: t0, into: &changes) }
        #expect(engine.labels.onlyOrganisation == "org1")
        for (type, device) in [("pump", "p1"), ("gw", "g1"), ("pump", "p2"), ("pump", "zz"), ("gw", "p1")] {
            #expect(
                engine.client(typeID: type, deviceID: device)?.clientID == scan(engine, type, device),
                "\(type)/\(device)"
            )
        }
        #expect(engine.client(typeID: "pump", deviceID: "p1")?.clientID == "d:org1:pump:p1")
        #expect(engine.client(typeID: "pump", deviceID: "p2")?.clientID == "pump-p2")

        // A second organisation: every lookup is a pass, and still finds the same.
        engine.handle(
            event("d:org2:pump:p1", org: "org2", type: "pump", device: "p1", kind: .device),
            broker: "b",
            now: t0,
            into: &changes
        )
        #expect(engine.labels.onlyOrganisation == nil)
        #expect(engine.client(typeID: "pump", deviceID: "p1")?.clientID == "d:org1:pump:p1")

        // A forgotten client is not found either way.
        engine.forget(["d:org1:pump:p1"], reason: "gone", at: t0 + 1, into: &changes)
        #expect(engine.client(typeID: "pump", deviceID: "p1")?.clientID == "d:org2:pump:p1")
        engine.forget(["pump-p2"], reason: "gone", at: t0 + 1, into: &changes)
        #expect(engine.client(typeID: "pump", deviceID: "p2") == nil)
    }
}
