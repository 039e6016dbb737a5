import DroverProxy
import NIOCore

/// Body framing: the chunked scanner and the body cursor never hand on more content than came
/// in, never consume past the buffer, refuse only with `HTTP1ParseError`, and give the same
/// answer whether the body arrives in one piece or in many (split points from the input).
///
/// Input: byte 0 picks the framing (chunked, chunked de-chunked, a Content-Length from bytes
/// 1–2, until close), byte 3 the piece size; the rest is the body stream.
enum HTTP1ChunkedFuzzer {
    struct Outcome: Equatable {
        var consumed = 0
        var content = 0
        var done = false
        var refused = false
    }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 4 else { return }
        let body = UnsafeRawBufferPointer(rebasing: bytes[4...])
        let piece = max(1, Int(bytes[3]))
        let whole = scan(body, pieceSize: body.count + 1)
        let split = scan(body, pieceSize: piece)
        precondition(whole == split, "scanner differs when split every \(piece) bytes: \(whole) vs \(split)")

        let framing: HTTP1Head.Framing
        switch bytes[0] % 4 {
        case 0, 1: framing = .chunked
        case 2: framing = .length(Int64(bytes[1]) << 8 | Int64(bytes[2]))
        default: framing = .untilClose
        }
        let once = cursor(framing, dechunk: bytes[0] % 4 == 1, body, pieceSize: body.count + 1)
        let pieces = cursor(framing, dechunk: bytes[0] % 4 == 1, body, pieceSize: piece)
        precondition(once == pieces, "cursor differs when split every \(piece) bytes: \(once) vs \(pieces)")
        if case .chunked = framing { precondition(once == whole, "cursor \(once) and scanner \(whole) disagree") }
    }

    /// Scans `body` in pieces of `pieceSize`; checks every data range lies inside its piece.
    static func scan(_ body: UnsafeRawBufferPointer, pieceSize: Int) -> Outcome {
        var scanner = HTTP1ChunkedScanner()
        var outcome = Outcome()
        var offset = 0
        while offset < body.count, !scanner.isDone {
            let piece = UnsafeRawBufferPointer(rebasing: body[offset..<min(body.count, offset + pieceSize)])
            do {
                var content = 0
                let used = try scanner.scan(piece) { range in
                    precondition(range.lowerBound >= 0 && range.upperBound <= piece.count, "data range outside the piece")
                    content += range.count
                }
                precondition(used >= 0 && used <= piece.count, "scanner consumed \(used) of \(piece.count)")
                precondition(content <= used, "more content than bytes consumed")
                precondition(scanner.isDone || used == piece.count, "stopped early without ending the body")
                outcome.consumed += used
                outcome.content += content
                offset += piece.count
            } catch {
                // What came before the refusal depends on the split; the refusal itself must not.
                return Outcome(refused: true)
            }
        }
        outcome.done = scanner.isDone
        return outcome
    }

    /// Feeds `body` to a cursor in pieces; content out never exceeds bytes in.
    static func cursor(
        _ framing: HTTP1Head.Framing, dechunk: Bool, _ body: UnsafeRawBufferPointer, pieceSize: Int
    ) -> Outcome {
        var cursor = HTTP1BodyCursor(framing, dechunk: dechunk)
        var outcome = Outcome()
        var offset = 0
        while offset < body.count, !cursor.isComplete {
            let piece = UnsafeRawBufferPointer(rebasing: body[offset..<min(body.count, offset + pieceSize)])
            var buffer = ByteBufferAllocator().buffer(capacity: piece.count)
            buffer.writeBytes(piece)
            var forwarded = 0
            do {
                let content = try cursor.take(from: &buffer) { forwarded += $0.readableBytes }
                let used = piece.count - buffer.readableBytes
                precondition(content >= 0 && content <= used, "content \(content) of \(used) bytes taken")
                precondition(forwarded <= used, "forwarded \(forwarded) of \(used) bytes taken")
                if !dechunk { precondition(forwarded == used, "forwarded \(forwarded) but took \(used)") }
                precondition(cursor.isComplete || buffer.readableBytes == 0, "left bytes without completing")
                outcome.consumed += used
                outcome.content += content
                offset += piece.count
            } catch {
                return Outcome(refused: true)
            }
        }
        if case .length(let length) = framing {
            precondition(Int64(outcome.content) <= length, "more content than Content-Length")
        }
        outcome.done = cursor.isComplete
        return outcome
    }
}
