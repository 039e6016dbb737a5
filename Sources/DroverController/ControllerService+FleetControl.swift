import DroverAPI

/// The API's hook into live sessions: a removed host is cut off at once.
extension ControllerService: FleetControl {
    public func disconnect(hostID: String) async {
        disconnect(hostID: hostID, reason: "host removed from the fleet")
    }
}
