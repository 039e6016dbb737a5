import DroverSession
import DroverWire
import Testing

/// Guards the sizes that keep a controller's 10,000 session tasks small: these values live in
/// the async frames each session task keeps allocated while it runs (README, "Small async
/// frames"). Before their large payloads were boxed (`indirect`), a message took a few hundred
/// bytes and 10,000 sessions held about 45 MiB more.
@Suite("Session value sizes")
struct SessionLayoutTests {
    @Test("a message is a pointer wide, whatever it carries; an envelope barely more")
    func messageIsBoxed() {
        #expect(MemoryLayout<DroverMessage>.size <= 8)
        #expect(MemoryLayout<Envelope>.size <= 16)
    }

    @Test("session events and actions are no wider than a frame and a tag")
    func eventsAndActionsStaySmall() {
        let frame = MemoryLayout<Frame>.size
        #expect(MemoryLayout<SessionEvent>.size <= frame + 8)
        #expect(MemoryLayout<ServerSessionStateMachine.Action>.size <= frame + 8)
    }
}
