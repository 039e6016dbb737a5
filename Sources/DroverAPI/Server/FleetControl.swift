/// What the API asks of the controller's live agent sessions.
///
/// The controller (agent sessions, in `DroverController`) implements it; the API calls it after
/// it changed the store, so the decision is durable before it is carried out.
public protocol FleetControl: Sendable {
    /// Closes the agent session of `hostID`, if one is open, and refuses the host from now on.
    ///
    /// Called after the host was marked removed and its certificates were revoked in the store;
    /// the implementation should refresh its TLS deny list from
    /// `StateStore.revokedFingerprints()` so a reconnect fails at the handshake.
    func disconnect(hostID: String) async
}
