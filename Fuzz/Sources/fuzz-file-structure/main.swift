import FuzzDriver
import Glibc

// Top-level code: the entry point SwiftPM gives this executable hands control to libFuzzer.
exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzOne(.fileStructure, data, size) })
