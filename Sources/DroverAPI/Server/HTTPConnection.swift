import NIOCore
import NIOHTTP1

/// Serves one keep-alive HTTP/1.1 connection: collects each request (bounded), asks the router,
/// writes the answer.
struct HTTPConnection: Sendable {
    let router: any Router
    let maxBodyBytes: Int

    func serve(_ channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        // Errors here are the peer's (bad TLS, reset, garbage): the connection just ends.
        let remoteAddress = channel.channel.remoteAddress?.ipAddress
        try? await channel.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            var tooLarge = false
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body.clear()
                    tooLarge = false
                    if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init),
                        length > maxBodyBytes
                    {
                        try await write(tooLargeResponse(), keepAlive: false, to: outbound)
                        return
                    }
                case .body(var chunk):
                    if body.readableBytes + chunk.readableBytes > maxBodyBytes {
                        tooLarge = true
                        body.clear()
                    } else if !tooLarge {
                        body.writeBuffer(&chunk)
                    }
                case .end:
                    guard let requestHead = head else { return }
                    head = nil
                    if tooLarge {
                        try await write(tooLargeResponse(), keepAlive: false, to: outbound)
                        return
                    }
                    let request = APIRequest(
                        method: requestHead.method.rawValue,
                        target: requestHead.uri,
                        headers: Dictionary(requestHead.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
                        body: Array(body.readableBytesView),
                        remoteAddress: remoteAddress)
                    var response = await router.respond(to: request)
                    response.headers.append(APIHeader("X-Request-Id", request.requestID))
                    try await write(response, keepAlive: requestHead.isKeepAlive, to: outbound)
                    if !requestHead.isKeepAlive { return }
                }
            }
        }
    }

    private func tooLargeResponse() -> APIResponse {
        .error(status: 413, code: "payload_too_large", message: "request body exceeds \(maxBodyBytes) bytes")
    }

    private func write(
        _ response: APIResponse,
        keepAlive: Bool,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.file?.size ?? Int64(response.body.count)))
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        for header in response.headers {
            headers.add(name: header.name, value: header.value)
        }
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        try await outbound.write(.head(head))
        if let file = response.file {
            try await stream(file, to: outbound)
        } else if !response.body.isEmpty {
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
        }
        try await outbound.write(.end(nil))
    }

    /// Writes `file` chunk by chunk; each write waits until the channel takes more (backpressure).
    /// A file that shrank meanwhile ends the connection (the client sees a short body).
    private func stream(
        _ file: APIFileBody, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        guard let reader = FileChunkReader(path: file.path) else { throw FileStreamError.unreadable }
        var remaining = file.size
        while remaining > 0 {
            let chunk = try await reader.next(limit: Int(min(remaining, Int64(FileChunkReader.chunkSize))))
            guard !chunk.isEmpty else { throw FileStreamError.truncated }
            remaining -= Int64(chunk.count)
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: chunk))))
        }
    }
}

/// Why a streamed file body stopped early.
enum FileStreamError: Error {
    case unreadable, truncated
}
