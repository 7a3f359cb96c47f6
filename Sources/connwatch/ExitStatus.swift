import ConnWatchRuntime

/// The exit statuses of every `connwatch` command: one table, sysexits.h codes where one fits.
enum ExitStatus {
    /// The command did what it was asked.
    static let success: Int32 = 0
    /// It ran but failed: the daemon refused the request or knows no such client or silence
    /// (an HTTP error answer), a rule test failed, a test notification was not accepted, or the
    /// daemon could not start.
    static let failure: Int32 = 1
    /// `EX_USAGE`: bad arguments or options.
    static let usage: Int32 = 64
    /// `EX_UNAVAILABLE`: the daemon's API could not be reached, or answered 503.
    static let unavailable: Int32 = 69
    /// `EX_CONFIG`: the configuration file, or a file or credential it names, is missing or invalid
    /// (the query commands then try the default address instead), or the API is disabled in it.
    static let config: Int32 = 78

    /// The status for a request to the daemon that failed.
    static func of(_ error: APIClientError) -> Int32 {
        guard let status = error.status, status != 503 else { return unavailable }
        return failure
    }

    /// The table, as `connwatch --help` and README print it.
    static let table = """
        EXIT STATUS
          0   success
          1   failure: the daemon answered with an error (no such client or
              silence, a bad parameter), a rule test failed, a test
              notification failed, or run could not start
          64  usage: bad arguments or options
          69  unavailable: the daemon's API cannot be reached (or answers 503)
          78  configuration: the file, or a file or credential it names, is
              missing or invalid (status, logs, alerts, silence and forget
              then try the default address), or the API is disabled in it
        """
}
