// libFuzzer entry point for every connwatch fuzz target; `make fuzz` builds it with
// `swift build --sanitize=fuzzer --sanitize=address` and picks the target with FUZZ_TARGET.
//
// Only declarations live here: under `--sanitize=fuzzer` SwiftPM compiles this file with
// `-parse-as-library` and libFuzzer supplies `main`; a normal build links an empty program.

import ConnWatchFuzzing

#if canImport(Glibc)
    import Glibc
#endif

/// The target named by the `FUZZ_TARGET` environment variable, looked up once.
enum SelectedTarget {
    static let target: FuzzTarget = {
        let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTarget.named(name) else {
            let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
            let message = Array("set FUZZ_TARGET to one of: \(names)\n".utf8)
            _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            exit(2)
        }
        return target
    }()
}

/// Called by libFuzzer once per input; traps (so libFuzzer keeps the input) when a property breaks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let problems = SelectedTarget.target.run(bytes)
    if !problems.isEmpty {
        fatalError("\(SelectedTarget.target.name): \(problems.joined(separator: "; "))")
    }
    return 0
}
