extension HTTP1Head {
    /// The value of the first field named `name` (any case), if any.
    func value(ofField name: String, in bytes: UnsafeRawBufferPointer) -> String? {
        for field in fields where Self.nameMatches(bytes, field.name, name) {
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.value]), as: UTF8.self)
        }
        return nil
    }

    /// The value of the cookie `name` in the Cookie field(s), if present.
    func cookie(named name: String, in bytes: UnsafeRawBufferPointer) -> String? {
        for field in fields where field.kind == .cookie {
            var start = field.value.lowerBound
            let end = field.value.upperBound
            while start < end {
                var pairEnd = start
                while pairEnd < end, bytes[pairEnd] != UInt8(ascii: ";") { pairEnd += 1 }
                var nameStart = start
                while nameStart < pairEnd, bytes[nameStart] == UInt8(ascii: " ") { nameStart += 1 }
                var equals = nameStart
                while equals < pairEnd, bytes[equals] != UInt8(ascii: "=") { equals += 1 }
                if equals < pairEnd, bytes[nameStart..<equals].elementsEqual(name.utf8) {
                    return String(
                        decoding: UnsafeRawBufferPointer(rebasing: bytes[equals + 1..<pairEnd]), as: UTF8.self)
                }
                start = pairEnd + 1
            }
        }
        return nil
    }

    private static func nameMatches(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ name: String) -> Bool {
        var utf8 = name.utf8.makeIterator()
        for index in range {
            guard let byte = utf8.next(), HTTP1HeadParser.lowercased(byte) == HTTP1HeadParser.lowercased(bytes[index])
            else { return false }
        }
        return utf8.next() == nil
    }
}
