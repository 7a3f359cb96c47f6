import Foundation
import Testing

@testable import ConnWatchCore

/// A client `d:org1:<type>:<device>` in the given state.
func client(
    _ device: String,
    type: String = "sensor",
    status: ConnectionStatus = .connected,
    connected: Int64? = nil,
    disconnected: Int64? = nil,
    clientType: ClientType = .device
) -> ClientState {
    let event = StatusEvent(
        action: .connect,
        clientID: "d:org1:\(type):\(device)",
        clientType: clientType,
        orgID: "org1",
        typeID: type,
        deviceID: device,
        time: connected ?? 0
    )
    var state = ClientState(event: event, broker: "test")
    state.status = status
    state.lastConnectTime = connected
    state.lastDisconnectTime = disconnected
    let activity = [connected, disconnected].compactMap { $0 }.max()
    state.lastActivityTime = activity
    if activity != nil { state.lastActivityEvent = activity == disconnected ? .disconnect : .connect }
    if status == .disconnected {
        state.disconnectedBy = .network
        state.reasonCode = 4
        state.reasonText = "keep-alive timeout"
        state.cause = .keepAliveTimeout
    }
    state.protocolName = "mqtt4"
    return state
}

/// Runs a query string over `clients`.
func query(_ text: String, _ clients: [ClientState]) throws -> ClientStateQuery.Page {
    try ClientStateQuery(QueryParameters(parsing: text)).run(over: clients)
}

/// The API error a query string raises, if any.
func queryError(_ text: String) -> APIError? {
    do {
        _ = try ClientStateQuery(QueryParameters(parsing: text))
        return nil
    } catch {
        return error
    }
}

/// The JSON body of a response as a Foundation value.
func json(_ response: APIResponse) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(response.body))
}
