@testable import ConnWatchCore

/// A rules file with one broker, `defaults.receivers: [defaultReceiver]` and `receivers` (YAML list
/// items at two spaces, from line 10 of the file), loaded as `rules.yaml`.
func loadReceivers(_ receivers: String, defaultReceiver: String = "a") throws(ConfigError) -> ConnWatchConfig {
    let text = """
        mqtt:
          - name: main
            url: mqtt://127.0.0.1:1883
            subscriptions:
              - topic: iot-2/type/+/id/+/mon
                format: watson-iot
        defaults:
          receivers: [\(defaultReceiver)]
        receivers:
        \(receivers)
        """
    return try ConfigLoader.load(text: text, file: "rules.yaml")
}
