import DroverRollout
import Foundation
import Testing

@Suite("Service version")
struct ServiceVersionTests {
    @Test("the version field wins, then the image tag, then a hash of the spec")
    func rule() throws {
        let tagged = try ServiceSpecParser.load(minimalSpec, file: "web.yaml")
        #expect(tagged.version == nil)
        #expect(tagged.resolvedVersion == "v1")
        let named = try ServiceSpecParser.load(minimalSpec + "\nversion: 2024.06-rc1", file: "web.yaml")
        #expect(named.version == "2024.06-rc1")
        #expect(named.resolvedVersion == "2024.06-rc1")
        let latest = try ServiceSpecParser.load(minimalSpec.replacingOccurrences(of: ":v1", with: ":latest"), file: "web.yaml")
        let untagged = try ServiceSpecParser.load(minimalSpec.replacingOccurrences(of: ":v1", with: ""), file: "web.yaml")
        for spec in [latest, untagged] {
            #expect(spec.resolvedVersion.hasPrefix("spec-"))
            #expect(spec.resolvedVersion.count == "spec-".count + 12)
        }
        #expect(latest.resolvedVersion != untagged.resolvedVersion)
        // Same spec, same label; any change, a new one.
        #expect(untagged.resolvedVersion == (try ServiceSpecParser.load(minimalSpec.replacingOccurrences(of: ":v1", with: ""), file: "w.yaml")).resolvedVersion)
        var changed = untagged
        changed.env["A"] = "b"
        #expect(changed.resolvedVersion != untagged.resolvedVersion)
    }

    @Test("an invalid version is refused naming the field")
    func invalid() {
        let error = specError(at: "version", in: minimalSpec + "\nversion: -bad version")
        #expect(error?.message.contains("letters, digits") == true)
    }
}
