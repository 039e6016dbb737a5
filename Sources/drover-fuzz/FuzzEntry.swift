#if DROVER_LIBFUZZER
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's driver, linked in by `-sanitize=fuzzer`. SwiftPM aliases `main` to this
/// module's entry point, so instead of letting libFuzzer provide `main` we call its driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer over one target (built by `scripts/fuzz`).
enum FuzzEntry {
    /// The target the C callback runs (set once, before the driver starts).
    nonisolated(unsafe) static var target = FuzzTarget.frames

    /// Hands `arguments` (without `--target NAME`) to libFuzzer's driver.
    static func run(_ target: FuzzTarget, arguments: [String]) -> Never {
        Self.target = target
        var argv: [UnsafeMutablePointer<CChar>?] = ([CommandLine.arguments[0]] + arguments).map { strdup($0) }
        argv.append(nil)
        var argc = CInt(argv.count - 1)
        let code = argv.withUnsafeMutableBufferPointer { buffer in
            var base = buffer.baseAddress!
            return LLVMFuzzerRunDriver(&argc, &base) { data, count in
                FuzzEntry.target.run(UnsafeRawBufferPointer(start: data, count: count))
                return 0
            }
        }
        exit(code)
    }
}
#endif
