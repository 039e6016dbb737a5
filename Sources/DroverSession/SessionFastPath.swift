import DroverWire
import NIOCore

/// Handles some of a session's frames synchronously on the channel's event loop, before they
/// would reach the session task (installed with ``SessionConnection/installFastPath(_:)``).
///
/// Why: at 10,000 agents each frame handed to the session task costs a hand-off through the
/// async channel (a lock, an unspecialized generic yield, a task resumption) that is as
/// expensive as decoding the frame. A heartbeat or host report needs no waiting, so it is
/// handled where it was decoded.
///
/// Order is kept: ``SessionInputHandler`` uses the fast path only while the task has finished
/// every event it was given (``eventsHandled`` equals the events forwarded), so a frame never
/// overtakes an earlier one still being handled.
public protocol SessionFastPath: AnyObject {
    /// How many events from the session's stream the task has finished handling (the stream's
    /// end not counted).
    var eventsHandled: Int { get }

    /// Handles `frame` now, writing any frames through `write`, or returns `nil` to leave the
    /// frame to the session task.
    func handle(_ frame: Frame, write: (ByteBuffer) -> Void) -> SessionFastPathOutcome?
}

/// What happened to a frame the fast path took.
public enum SessionFastPathOutcome: Sendable, Hashable {
    /// Handled; the connection stays open.
    case handled
    /// Handled, and the connection must close (its last frame is written).
    case close
}
