/// An error from setting up a ``MosquittoClient``.
public struct MQTTClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in broad strokes.
    public enum Kind: Sendable, Hashable {
        /// An option has a value that cannot work (port, QoS, topic filter, ...).
        case invalidOption
        /// libmosquitto refused a setting or could not create the client.
        case library
    }

    /// The broad kind of failure.
    public var kind: Kind
    /// The operation or option concerned, e.g. `mosquitto_tls_set` or `subscriptions[2].filter`.
    public var operation: String
    /// libmosquitto's error code (`MOSQ_ERR_*`), 0 when not from the library.
    public var code: Int
    /// A readable explanation.
    public var message: String

    /// Creates an error.
    public init(kind: Kind, operation: String, code: Int = 0, message: String) {
        self.kind = kind
        self.operation = operation
        self.code = code
        self.message = message
    }

    /// `operation: message (code N)`.
    public var description: String {
        code == 0 ? "\(operation): \(message)" : "\(operation): \(message) (code \(code))"
    }
}
