import Foundation

/// Replays fuzz inputs through a target's property without libFuzzer; built with
/// `-DDROVER_LIBFUZZER` (scripts/fuzz) it hands control to libFuzzer instead.
///
///     drover-fuzz [--target NAME] PATH...     one target (default `frames`, or DROVER_FUZZ_TARGET)
///     drover-fuzz --all DIR                   every target over DIR/<target>/
///     drover-fuzz --write-seeds DIR           seed inputs into DIR/<target>/
///
/// Paths are files or directories. A `.json` vectors file contributes every `"hex"` string it
/// holds (see `Protocol/vectors/frames.json`); any other file is one raw input. A crash is a
/// failure; the exit code is 0 when every input was replayed (and each target had one).
@main
enum CorpusReplay {
    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let target: FuzzTarget
        do {
            target = try takeTarget(from: &arguments)
        } catch {
            FileHandle.standardError.write(Data("drover-fuzz: \(error)\n".utf8))
            exit(2)
        }
        #if DROVER_LIBFUZZER
        FuzzEntry.run(target, arguments: arguments)
        #else
        try replay(target, arguments: arguments)
        #endif
    }

    /// Removes `--target NAME` from `arguments`; the target it names, else DROVER_FUZZ_TARGET's, else `frames`.
    static func takeTarget(from arguments: inout [String]) throws -> FuzzTarget {
        var name = ProcessInfo.processInfo.environment["DROVER_FUZZ_TARGET"] ?? FuzzTarget.frames.rawValue
        if let flag = arguments.firstIndex(of: "--target") {
            guard flag + 1 < arguments.count else { throw ReplayError.unknownTarget("") }
            name = arguments[flag + 1]
            arguments.removeSubrange(flag...(flag + 1))
        }
        guard let target = FuzzTarget(rawValue: name) else { throw ReplayError.unknownTarget(name) }
        return target
    }

    static func replay(_ target: FuzzTarget, arguments: [String]) throws {
        if arguments.isEmpty || arguments.contains("--help") {
            print("usage: drover-fuzz [--target NAME] PATH...  |  drover-fuzz --all DIR   (targets: \(FuzzTarget.names))")
            return
        }
        if arguments.first == "--write-seeds" {
            guard arguments.count == 2 else { throw ReplayError.missing("--write-seeds needs one directory") }
            try SeedCorpus.write(to: arguments[1])
            return
        }
        if arguments.first == "--all" {
            guard arguments.count == 2 else { throw ReplayError.missing("--all needs one directory") }
            var empty: [String] = []
            for each in FuzzTarget.allCases {
                let count = try replay(each, paths: [arguments[1] + "/" + each.rawValue])
                print("drover-fuzz: \(each.rawValue): replayed \(count) inputs without a finding")
                if count == 0 { empty.append(each.rawValue) }
            }
            if !empty.isEmpty {
                FileHandle.standardError.write(Data("drover-fuzz: no inputs for \(empty.joined(separator: ", "))\n".utf8))
                exit(1)
            }
            return
        }
        let count = try replay(target, paths: arguments)
        print("drover-fuzz: \(target.rawValue): replayed \(count) inputs without a finding")
        if count == 0 {
            FileHandle.standardError.write(Data("drover-fuzz: no inputs found\n".utf8))
            exit(1)
        }
    }

    /// Runs every input under `paths` through `target`; returns how many.
    static func replay(_ target: FuzzTarget, paths: [String]) throws -> Int {
        var inputs = 0
        for path in paths {
            for file in try files(at: path) {
                for input in try inputsIn(file: file) {
                    input.withUnsafeBytes { target.run($0) }
                    inputs += 1
                }
            }
        }
        return inputs
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
    case unknownTarget(String)

    var description: String {
        switch self {
        case .missing(let path): return "no such file or directory: \(path)"
        case .notVectors(let path): return "\(path) is not a JSON array of vectors"
        case .badHex(let path): return "\(path) holds a hex string that is not valid hex"
        case .unknownTarget(let name): return "unknown target \"\(name)\" (targets: \(FuzzTarget.names))"
        }
    }
}
