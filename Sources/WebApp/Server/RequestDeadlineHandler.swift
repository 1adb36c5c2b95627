import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// A total deadline for receiving each request, head and body (issue 18): the idle timeout resets on every byte,
/// so a client sending one byte every few seconds could hold a connection slot for ever. The clock starts when the
/// connection opens or the previous response ends, and stops when the request's last byte arrives; what the handler
/// then does is not counted. Past it, a request whose head has arrived gets `408 Request Timeout`, and the
/// connection is closed either way.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let deadline: TimeAmount
    private var timer: Scheduled<Void>?
    private var headReceived = false
    private var responding = false

    init(deadline: TimeAmount) { self.deadline = deadline }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { timer?.cancel() }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: headReceived = true
        case .body: break
        case .end:
            timer?.cancel()
            timer = nil
            headReceived = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: responding = true
        case .body: break
        case .end:
            responding = false
            // Waiting for the next request on a kept-alive connection: its clock starts now.
            if timer == nil { start(context) }
        }
        context.write(data, promise: promise)
    }

    private func start(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: deadline) { [self] in
            let context = loopBound.value
            timer = nil
            if headReceived && !responding {
                var fields = HTTPFields()
                fields[.contentType] = "text/plain; charset=utf-8"
                fields[.connection] = "close"
                let text = "The request took too long to arrive, so it was not processed. Try again.\n"
                fields[.contentLength] = String(text.utf8.count)
                context.write(wrapOutboundOut(.head(HTTPResponse(status: .requestTimeout, headerFields: fields))), promise: nil)
                context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(string: text))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        }
    }
}
