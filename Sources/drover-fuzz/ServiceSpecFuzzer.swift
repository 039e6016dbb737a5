import DroverRollout
import Foundation

/// Any bytes as a service spec: ``ServiceSpecParser/load(_:file:)`` returns a spec or throws
/// `SpecErrors` with at least one error; an accepted spec validates again, survives the
/// store's JSON unchanged (and still validates), and has a version.
enum ServiceSpecFuzzer {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        let spec: ServiceSpec
        do {
            spec = try ServiceSpecParser.load(text, file: "fuzz.yaml")
        } catch {
            precondition(!error.errors.isEmpty, "a refused spec with no error")
            return
        }
        let again = ServiceSpecValidator.validate(spec, file: "fuzz.yaml")
        precondition(again.isEmpty, "an accepted spec fails validation: \(again)")
        let stored: ServiceSpec
        do {
            stored = try JSONDecoder().decode(ServiceSpec.self, from: JSONEncoder().encode(spec))
        } catch {
            fatalError("an accepted spec does not survive the store's JSON: \(error)")
        }
        precondition(stored == spec, "the store's JSON changed the spec")
        precondition(ServiceSpecValidator.validate(stored, file: "fuzz.yaml").isEmpty)
        precondition(!spec.resolvedVersion.isEmpty, "an accepted spec without a version")
    }
}
