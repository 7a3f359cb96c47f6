import CMosquitto

extension MosquittoClient {
    /// Rejects options libmosquitto would refuse later, with a message naming the option.
    static func validate(_ options: MQTTClientOptions) throws(MQTTClientError) {
        func invalid(_ option: String, _ message: String) -> MQTTClientError {
            MQTTClientError(kind: .invalidOption, operation: option, message: message)
        }
        if options.host.isEmpty {
            throw invalid("host", "must not be empty")
        }
        if !(1...65_535).contains(options.port) {
            throw invalid("port", "\(options.port) is not in 1...65535")
        }
        if options.keepAlive != 0 && !(5...65_535).contains(options.keepAlive) {
            throw invalid("keepAlive", "\(options.keepAlive) s is not 0 or in 5...65535")
        }
        if let clientID = options.clientID, clientID.isEmpty || clientID.utf8.count > 65_535 {
            throw invalid("clientID", "must have 1...65535 bytes")
        }
        if options.reconnectDelayMin <= .zero || options.reconnectDelayMax < options.reconnectDelayMin {
            throw invalid("reconnectDelayMin", "needs 0 < reconnectDelayMin <= reconnectDelayMax")
        }
        if options.password != nil && options.username == nil {
            throw invalid("password", "a password needs a user name")
        }
        for (index, subscription) in options.subscriptions.enumerated() {
            if !(0...2).contains(subscription.qos) {
                throw invalid("subscriptions[\(index)].qos", "\(subscription.qos) is not 0, 1 or 2")
            }
            if mosquitto_sub_topic_check(subscription.filter) != MOSQ_ERR_SUCCESS.rawValue {
                throw invalid("subscriptions[\(index)].filter", "'\(subscription.filter)' is not a valid topic filter")
            }
        }
        if let tls = options.tls, tls.caFile == nil && tls.caPath == nil {
            throw invalid("tls", "needs caFile or caPath")
        }
    }

    /// Creates and configures the libmosquitto handle; destroys it again if any step fails.
    static func makeHandle(
        _ options: MQTTClientOptions
    ) throws(MQTTClientError) -> (OpaquePointer, OpaquePointer?) {
        guard let handle = mosquitto_new(options.clientID, options.effectiveCleanSession, nil) else {
            throw MQTTClientError(kind: .library, operation: "mosquitto_new", message: "cannot create the client")
        }
        var properties: OpaquePointer?
        do throws(MQTTClientError) {
            try configure(handle, options, properties: &properties)
        } catch {
            if properties != nil {
                mosquitto_property_free_all(&properties)
            }
            mosquitto_destroy(handle)
            throw error
        }
        return (handle, properties)
    }

    private static func configure(
        _ handle: OpaquePointer,
        _ options: MQTTClientOptions,
        properties: inout OpaquePointer?
    ) throws(MQTTClientError) {
        func check(_ code: Int32, _ operation: String) throws(MQTTClientError) {
            guard code != MOSQ_ERR_SUCCESS.rawValue else { return }
            throw MQTTClientError(
                kind: .library,
                operation: operation,
                code: Int(code),
                message: ConnectFailureClassifier.errorText(code)
            )
        }
        let version = options.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try check(
            mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, Int32(version)),
            "MOSQ_OPT_PROTOCOL_VERSION"
        )
        try check(mosquitto_threaded_set(handle, true), "mosquitto_threaded_set")
        if let username = options.username {
            try check(mosquitto_username_pw_set(handle, username, options.password), "mosquitto_username_pw_set")
        }
        if let tls = options.tls {
            try check(
                mosquitto_tls_set(handle, tls.caFile, tls.caPath, tls.certFile, tls.keyFile, nil),
                "mosquitto_tls_set"
            )
            try check(mosquitto_tls_insecure_set(handle, tls.insecure), "mosquitto_tls_insecure_set")
        }
        if options.protocolVersion == .v5 && !options.effectiveCleanSession {
            try check(
                mosquitto_property_add_int32(
                    &properties,
                    Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue),
                    options.sessionExpiry
                ),
                "MQTT_PROP_SESSION_EXPIRY_INTERVAL"
            )
        }
    }
}

extension MQTTClientOptions {
    /// A random client id (no `clientID`) always gets a clean session.
    var effectiveCleanSession: Bool {
        clientID == nil || cleanSession
    }
}
