import FuzzDriver

@_cdecl("fuzz_registrar_csv_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOne(.registrarCSV, data, size) }
}
