import NIOCore
import NIOHTTP1

/// Carries out ``APIConnectionStateMachine``: arms and cancels the request deadline, answers
/// timeouts (408), oversized heads (431) and malformed HTTP (400) with a JSON error, and closes.
///
/// It sits right after the HTTP decoder (before `HTTPServerPipelineHandler`, which would count
/// a refusal sent before any request head as a protocol violation); ``RequestBytesObserver``
/// before the decoder tells it when request bytes arrive.
final class APIConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the refusals say.
    struct Limits: Sendable {
        var requestTimeout: TimeAmount
        var maxHeaderBytes: Int
        var maxHeaderCount: Int
    }

    private let limits: Limits
    private var machine: APIConnectionStateMachine
    private var timer: Scheduled<Void>?

    init(limits: Limits) {
        self.limits = limits
        self.machine = APIConnectionStateMachine(
            timeoutNanoseconds: UInt64(clamping: max(1, limits.requestTimeout.nanoseconds)))
    }

    private var now: UInt64 { NIODeadline.now().uptimeNanoseconds }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { perform(machine.connectionStarted(now: now), context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(machine.connectionStarted(now: now), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !machine.closing else { return }
        if case .end = unwrapInboundIn(data) { perform(machine.requestEnded(), context: context) }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RequestBytesObserver.BytesReceived {
            perform(machine.bytesReceived(now: now), context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // The decoder closes the connection after this; the answer is written first.
        perform(machine.parseFailed(headerOverflow: parserError == .headerOverflow), context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: machine.responseStarted()
        case .end: machine.responseEnded()
        default: break
        }
        context.write(data, promise: promise)
    }

    private func perform(_ action: APIConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .arm(let deadline):
            timer?.cancel()
            timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(deadline)) {
                self.timer = nil
                self.perform(self.machine.timerFired(now: self.now), context: context)
            }
        case .disarm:
            timer?.cancel()
            timer = nil
        case .refuse(let refusal):
            timer?.cancel()
            timer = nil
            let response = answer(refusal)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: response.contentType)
            headers.add(name: "Content-Length", value: String(response.body.count))
            headers.add(name: "Connection", value: "close")
            headers.add(name: "X-Request-Id", value: RequestID.make())
            let head = HTTPResponseHead(
                version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .close:
            timer?.cancel()
            timer = nil
            context.close(promise: nil)
        }
    }

    private func answer(_ refusal: APIConnectionStateMachine.Refusal) -> APIResponse {
        switch refusal {
        case .requestTimeout:
            let milliseconds = limits.requestTimeout.nanoseconds / 1_000_000
            return .error(
                status: 408, code: "request_timeout",
                message: "the request head and body must arrive within \(milliseconds) ms of its first byte")
        case .headersTooLarge:
            return .error(
                status: 431, code: "headers_too_large",
                message:
                    "the request line and headers must stay within \(limits.maxHeaderBytes) bytes and \(limits.maxHeaderCount) fields"
            )
        case .malformed:
            return .error(status: 400, code: "bad_request", message: "the request is not valid HTTP/1.1")
        }
    }
}
