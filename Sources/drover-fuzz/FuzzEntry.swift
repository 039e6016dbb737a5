#if DROVER_LIBFUZZER
/// libFuzzer's entry point (built by `scripts/fuzz` with `-sanitize=fuzzer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FrameFuzzer.run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}
#endif
