import NIOCore

/// Splits the server's bytes into CRLF-terminated lines, each at most
/// `maximumLineLength` bytes (a longer one closes the connection).
///
/// Data that arrives after a complete reply, before the client has sent
/// anything, is an error: this client never pipelines, so such bytes can
/// only be an attacker's, injected before STARTTLS to be read as if they
/// came over TLS (RFC 3207 §6).
final class SMTPLineHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = [UInt8]

    private var buffer: [UInt8] = []
    private let maximumLineLength: Int

    init(maximumLineLength: Int) {
        self.maximumLineLength = maximumLineLength
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if let bytes = incoming.readBytes(length: incoming.readableBytes) { buffer.append(contentsOf: bytes) }
        while let end = lineEnd() {
            let line = Array(buffer[..<end])
            buffer.removeFirst(end + 2)
            let isFinal = line.count < 4 || line[3] != UInt8(ascii: "-")
            if isFinal && !buffer.isEmpty {
                context.fireErrorCaught(SMTPError(.protocolViolation, "the server sent data after its reply, before the next command"))
                context.close(promise: nil)
                return
            }
            context.fireChannelRead(wrapInboundOut(line))
        }
        if buffer.count > maximumLineLength {
            context.fireErrorCaught(SMTPError(.protocolViolation, "a reply line longer than \(maximumLineLength) bytes"))
            context.close(promise: nil)
        }
    }

    private func lineEnd() -> Int? {
        guard buffer.count >= 2 else { return nil }
        for index in 0..<(buffer.count - 1) where buffer[index] == 0x0D && buffer[index + 1] == 0x0A {
            guard index <= maximumLineLength else { return nil }
            return index
        }
        return nil
    }
}
