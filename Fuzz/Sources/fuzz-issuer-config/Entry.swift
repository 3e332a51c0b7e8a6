import FuzzDriver

@_cdecl("fuzz_issuer_config_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOne(.issuerConfiguration, data, size) }
}
