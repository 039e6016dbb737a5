import Foundation

/// Where `swift build` put `drover` and `drover-agent`.
///
/// `DROVER_BIN_DIR` wins; otherwise the directory of the test bundle (which `swift build
/// --build-tests` puts next to the products), then `.build/debug` under the package root.
enum Binaries {
    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["DROVER_BIN_DIR"] {
            return URL(fileURLWithPath: override)
        }
        var candidates: [URL] = []
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = argument0.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("drover-agent").path) {
            return candidate
        }
        return root.appendingPathComponent(".build/debug")
    }()

    static var drover: URL { directory.appendingPathComponent("drover") }
    static var agent: URL { directory.appendingPathComponent("drover-agent") }
}
