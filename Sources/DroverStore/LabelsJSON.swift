#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON object text for label and detail maps, with sorted keys so equal maps store equal text.
enum LabelsJSON {
    /// Encodes `labels` as a JSON object with sorted keys.
    static func encode(_ labels: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(labels)
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes a JSON object of strings; `column` names the column in the error.
    static func decode(_ text: String, column: String) throws -> [String: String] {
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptRecord("\(column) is not a JSON object of strings")
        }
    }
}
