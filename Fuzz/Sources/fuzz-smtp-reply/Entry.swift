import FuzzDriver

@_cdecl("fuzz_smtp_reply_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOne(.smtpReply, data, size) }
}
