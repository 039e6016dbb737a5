import DroverProxy

/// The head parser either accepts a head whose every offset lies inside it, says it needs more
/// bytes (only while under the head limit), or throws its typed `HTTP1ParseError`; a trap is
/// a finding. The same bytes go through the request and the response parser.
enum HTTP1HeadFuzzer {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        var head = HTTP1Head()
        for parseRequest in [true, false] {
            let accepted: Bool
            do {
                accepted =
                    parseRequest
                    ? try HTTP1HeadParser.parseRequest(bytes, into: &head)
                    : try HTTP1HeadParser.parseResponse(bytes, into: &head)
            } catch {
                // Typed throws: HTTP1ParseError is the only possible error, a refusal.
                continue
            }
            guard accepted else {
                precondition(bytes.count <= HTTP1HeadParser.maxHeadLength, "an over-long head is still incomplete")
                continue
            }
            check(head, in: bytes, request: parseRequest)
        }
    }

    /// Every range of an accepted head lies inside its `length`, which lies inside the bytes.
    static func check(_ head: HTTP1Head, in bytes: UnsafeRawBufferPointer, request: Bool) {
        let whole = 0..<head.length
        precondition(head.length > 0 && head.length <= bytes.count, "head length \(head.length) of \(bytes.count)")
        precondition(head.length <= HTTP1HeadParser.maxHeadLength, "accepted head longer than the limit")
        func inside(_ range: Range<Int>, _ what: String) {
            precondition(range.isEmpty || (whole.contains(range.lowerBound) && range.upperBound <= head.length),
                "\(what) \(range) outside the head 0..<\(head.length)")
        }
        inside(head.method, "method")
        inside(head.target, "target")
        if request { precondition(!head.method.isEmpty && !head.target.isEmpty, "request without method or target") }
        else { precondition((100...999).contains(head.status), "status \(head.status)") }
        for field in head.fields {
            inside(field.line, "field line")
            precondition(field.name.lowerBound >= field.line.lowerBound && field.name.upperBound <= field.line.upperBound)
            precondition(field.value.lowerBound >= field.name.upperBound && field.value.upperBound <= field.line.upperBound)
            precondition(!field.name.isEmpty, "empty field name")
        }
        if let length = head.contentLength { precondition(length >= 0, "negative Content-Length") }
        // Framing answers are total functions of the head.
        _ = request ? head.requestFraming : head.responseFraming(requestWasHEAD: false)
        _ = head.responseFraming(requestWasHEAD: true)
    }
}
