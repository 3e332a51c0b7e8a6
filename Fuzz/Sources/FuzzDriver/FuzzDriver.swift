import FuzzTargets

/// libFuzzer's own driver (`libclang_rt.fuzzer_no_main`). SwiftPM names an
/// executable's entry point `<module>_main` and points `main` at it, so the
/// fuzzing runtime's `main` cannot be linked; each executable's top-level
/// code (that entry point) hands control to this driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer with the process's arguments and `callback` as its test function.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ callback: FuzzCallback) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, callback)
}

/// One input through one target. A refusal is fine; a broken property is a
/// finding, so it aborts and libFuzzer keeps the input as a crash artifact.
public func fuzzOne(_ target: FuzzTarget, _ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    do throws(FuzzPropertyFailure) {
        try target.run(bytes)
    } catch {
        fatalError("\(target.rawValue): property broken: \(error.description)")
    }
    return 0
}
