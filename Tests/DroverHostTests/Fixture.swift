import DroverHost

/// Loads the captured and hand-written kernel files in `Fixtures/`, found next to this source
/// file through `#filePath` so the test target needs no resources.
enum Fixture {
    static func bytes(_ name: String, filePath: String = #filePath) throws -> [UInt8] {
        let directory = filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/")
        return try LinuxHostMetricsSource.readFile(atPath: directory + "/Fixtures/" + name, maxSize: 1 << 20)
    }
}
