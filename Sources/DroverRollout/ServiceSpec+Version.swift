#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ServiceSpec {
    /// The version label a deploy of this spec gets, by one rule:
    ///
    /// 1. the `version` field when given;
    /// 2. else the image's tag, unless it is missing or `latest` (a moving tag names no version);
    /// 3. else `spec-` and the first 12 hex digits of a 64-bit FNV-1a hash of the spec's canonical
    ///    JSON (sorted keys), so the same spec always gets the same label and any change a new one.
    ///
    /// A label names one spec for good: deploying another spec under a label already in the
    /// service's history is refused, so set `version` when only `env` or settings change.
    public var resolvedVersion: String {
        if let version, !version.isEmpty { return version }
        if let image, let tag = ImageReference.tag(of: image), tag != "latest" { return tag }
        return "spec-" + specHash
    }

    /// 12 hex digits identifying the spec's content (the `version` field included).
    var specHash: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = (try? encoder.encode(self)).map(Array.init) ?? Array("\(self)".utf8)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(12))
    }
}
