import FuzzDriver

@_cdecl("fuzz_json_body_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOne(.jsonBody, data, size) }
}
