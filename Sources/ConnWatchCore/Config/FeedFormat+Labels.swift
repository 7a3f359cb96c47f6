/// What each format can tell about a client: the `client_type` values it gives and which of the
/// identity labels (`org_id`, `type_id`, `device_id`, `app_id`) it fills. Other formats leave
/// those labels empty. `check` uses this to find rules that can never match.
extension FeedFormat {
    /// The `client_type` values clients of this format can have.
    public var clientTypes: [ClientType] {
        switch self {
        // `unknown` for a client id without a `d:`/`g:`/`a:`/`A:` prefix.
        case .watsonIoT: return [.device, .gateway, .application, .scalableApplication, .unknown]
        // Edge nodes (`NBIRTH`) are gateways, devices (`DBIRTH`) devices, primary hosts (`STATE`) applications.
        case .sparkplug: return [.gateway, .device, .application]
        case .awsIoT, .emqx, .lwt, .tasmota, .homie, .zigbee2mqtt: return [.unknown]
        }
    }

    /// The identity labels this format fills (for some clients at least).
    public var identityLabels: [ClientLabel] {
        switch self {
        case .watsonIoT: return [.orgID, .typeID, .deviceID, .appID]
        case .awsIoT, .emqx, .lwt, .tasmota, .homie, .zigbee2mqtt, .sparkplug: return []
        }
    }
}
