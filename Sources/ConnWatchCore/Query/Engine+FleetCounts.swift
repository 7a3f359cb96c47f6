/// The fleet's clients counted by broker, client type and type id, for `GET /api/v1/fleet`.
extension Engine {
    /// Read from the counts the engine keeps as clients come, change status and are forgotten
    /// (``FleetTally``): O(groups), whatever the fleet's size.
    public var fleetCounts: [FleetCountsJSON.Group] { fleetTally.snapshot }
}
