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

/// Runs libFuzzer over `FrameFuzzer` (built by `scripts/fuzz`).
enum FuzzEntry {
    static func run() -> Never {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let code = LLVMFuzzerRunDriver(&argc, &argv) { data, count in
            FrameFuzzer.run(UnsafeRawBufferPointer(start: data, count: count))
            return 0
        }
        exit(code)
    }
}
#endif
