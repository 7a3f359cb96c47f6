import ConnWatchRuntime

/// A started client whose events are recorded with their arrival time, on the client's thread.
final class TimedRecorder: Sendable {
    let client: MosquittoClient
    private let store: EventBox

    init(_ options: MQTTClientOptions) throws {
        let store = EventBox()
        self.store = store
        client = try MosquittoClient(options: options) { event in store.append(event) }
        client.start()
    }

    var events: [TimedEvent] { store.events }

    /// Polls until `condition` holds; `false` after `timeout`.
    func waitFor(timeout: Duration = .seconds(15), _ condition: ([TimedEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if condition(events) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(events)
    }
}
