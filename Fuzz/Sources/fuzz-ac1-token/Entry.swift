import FuzzDriver

@_cdecl("fuzz_ac1_token_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOne(.ac1Token, data, size) }
}
