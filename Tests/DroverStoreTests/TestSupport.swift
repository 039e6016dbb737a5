#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DroverStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A fixed "now" for tests: 2023-11-14T22:13:20Z in Unix milliseconds.
let t0: Int64 = 1_700_000_000_000

/// Error raised by the test helpers themselves.
struct TestSupportError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body` with a fresh private directory (mode 0700) that is removed afterwards.
func withTempDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let directory = try makeTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

/// Async variant of ``withTempDirectory(_:)``.
func withTempDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = try makeTempDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}

/// Creates a unique directory with mkdtemp (mode 0700).
private func makeTempDirectory() throws -> String {
    let base = FileManager.default.temporaryDirectory.path
    var template = Array("\(base)/drover-store-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!) }
    guard made != nil else {
        throw TestSupportError(description: "mkdtemp failed: errno \(errno)")
    }
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Permission bits (`st_mode & 0o777`) of `path`.
func permissionBits(_ path: String) throws -> UInt32 {
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw TestSupportError(description: "stat \(path) failed: errno \(errno)")
    }
    return UInt32(info.st_mode) & 0o777
}

/// Whether a file exists at `path`.
func fileExists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0
}

/// The bytes of the file at `path`.
func fileBytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw TestSupportError(description: "cannot read \(path)")
    }
    return [UInt8](data)
}

/// The bytes of every file in `directory` (the database, -wal and -shm).
func allFileBytes(in directory: String) throws -> [[UInt8]] {
    try FileManager.default.contentsOfDirectory(atPath: directory).map { name in
        try fileBytes("\(directory)/\(name)")
    }
}

/// Whether `needle` occurs in any of `haystacks`.
func contains(_ haystacks: [[UInt8]], _ needle: String) -> Bool {
    let pattern = Array(needle.utf8)
    guard !pattern.isEmpty else { return true }
    for bytes in haystacks where bytes.count >= pattern.count {
        for start in 0...(bytes.count - pattern.count) where bytes[start] == pattern[0] {
            if bytes[start..<start + pattern.count].elementsEqual(pattern) {
                return true
            }
        }
    }
    return false
}

/// Runs `body` and returns the ``StoreError`` it threw, or `nil` if it succeeded.
///
/// Any other error comes back as `.corruptRecord("unexpected …")`, so comparisons fail loudly.
func storeError<T>(_ body: () throws -> T) -> StoreError? {
    do {
        _ = try body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        return .corruptRecord("unexpected non-store error: \(error)")
    }
}
