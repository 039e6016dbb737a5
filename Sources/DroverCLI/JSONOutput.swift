import DroverAPI
import Foundation

/// Prints API models as pretty JSON for `--output json`.
enum JSONOutput {
    static func string(_ value: some Encodable) -> String {
        let encoder = APIJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Wall clock for "last seen", Unix milliseconds.
enum CLIClock {
    static func nowMs() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000)
    }
}
