import COpenSSL

/// One entry drained from OpenSSL's thread-local error queue.
public struct OpenSSLErrorEntry: Sendable, Hashable {
    /// The packed OpenSSL error code.
    public var code: UInt
    /// The library number (`ERR_GET_LIB`).
    public var library: Int32
    /// The reason number (`ERR_GET_REASON`).
    public var reason: Int32
    /// OpenSSL's reason string, e.g. "certificate verify failed".
    public var reasonString: String
    /// Extra text OpenSSL attached to the error, if any.
    public var data: String?
}

/// Helpers around OpenSSL's thread-local error queue.
///
/// Every sequence of OpenSSL calls starts with `clear()` so stale errors from another caller on
/// this thread cannot be misattributed, and ends with `drain()` so nothing leaks to the next one.
enum OpenSSLErrorQueue {
    static func clear() {
        ERR_clear_error()
    }

    /// Removes and returns every queued error, oldest first.
    static func drain() -> [OpenSSLErrorEntry] {
        var entries: [OpenSSLErrorEntry] = []
        // Bounded: each iteration pops one entry; the queue has at most ERR_NUM_ERRORS (16).
        while true {
            var data: UnsafePointer<CChar>? = nil
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            entries.append(entry(for: code, data: (flags & ERR_TXT_STRING) != 0 ? data : nil))
        }
        return entries
    }

    /// The reason strings of every queued error; never empty (falls back to `fallback`).
    static func drainReasons(fallback: String) -> [String] {
        let reasons = drain().map(\.reasonString)
        return reasons.isEmpty ? [fallback] : reasons
    }

    private static func entry(for code: UInt, data: UnsafePointer<CChar>?) -> OpenSSLErrorEntry {
        let reasonString: String
        if let cString = ERR_reason_error_string(code) {
            reasonString = String(cString: cString)
        } else {
            // Unknown reason: fall back to the full "error:XXXXXXXX:lib:func:reason" form.
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasonString = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let text = data.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        return OpenSSLErrorEntry(
            code: code,
            library: drover_ERR_GET_LIB(code),
            reason: drover_ERR_GET_REASON(code),
            reasonString: reasonString,
            data: text
        )
    }
}
