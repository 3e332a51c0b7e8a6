import FuzzDriver

@_cdecl("fuzz_keyset_jws_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOne(.keysetJWS, data, size) }
}
