import Foundation

/// Replays fuzz inputs through the same property the fuzzer checks, without libFuzzer;
/// built with `-DDROVER_LIBFUZZER` (scripts/fuzz) it hands control to libFuzzer instead.
///
/// Arguments are files or directories. A `.json` vectors file contributes every `"hex"`
/// string it holds (see `Protocol/vectors/frames.json`); any other file is one raw input.
/// A crash is a failure; the exit code is 0 when every input was replayed.
@main
enum CorpusReplay {
    static func main() throws {
        #if DROVER_LIBFUZZER
        FuzzEntry.run()
        #else
        try replay()
        #endif
    }

    static func replay() throws {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.isEmpty || arguments.contains("--help") {
            print("usage: drover-fuzz PATH...   (files or directories of fuzz inputs / vector JSON)")
            return
        }
        var inputs = 0
        for path in arguments {
            for file in try files(at: path) {
                for input in try inputsIn(file: file) {
                    input.withUnsafeBytes { FrameFuzzer.run($0) }
                    inputs += 1
                }
            }
        }
        print("drover-fuzz: replayed \(inputs) inputs without a finding")
        if inputs == 0 {
            FileHandle.standardError.write(Data("drover-fuzz: no inputs found\n".utf8))
            exit(1)
        }
    }

    static func files(at path: String) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReplayError.missing(path)
        }
        let url = URL(fileURLWithPath: path)
        guard isDirectory.boolValue else { return [url] }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        return names.filter { !$0.hasPrefix(".") }.map { url.appendingPathComponent($0) }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
    }

    static func inputsIn(file: URL) throws -> [[UInt8]] {
        let data = try Data(contentsOf: file)
        guard file.pathExtension == "json" else { return [Array(data)] }
        guard let root = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw ReplayError.notVectors(file.path)
        }
        return try root.compactMap { entry in
            guard let hex = entry["hex"] as? String else { return nil }
            guard let bytes = bytes(hex: hex) else { throw ReplayError.badHex(file.path) }
            return bytes
        }
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.filter { !$0.isWhitespace }.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

enum ReplayError: Error, CustomStringConvertible {
    case missing(String)
    case notVectors(String)
    case badHex(String)

    var description: String {
        switch self {
        case .missing(let path): return "no such file or directory: \(path)"
        case .notVectors(let path): return "\(path) is not a JSON array of vectors"
        case .badHex(let path): return "\(path) holds a hex string that is not valid hex"
        }
    }
}
