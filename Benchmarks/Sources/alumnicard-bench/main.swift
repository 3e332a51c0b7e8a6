import Foundation

// alumnicard-bench [token|qr|token-sample|profile-hmac|profile-qr|verifier|accounts|cards|copy-export]…
//   alumnicard-bench issuer-seed DIR CARDS | minimal-server PORT
// Prints rates and ratios; Benchmarks/run records them in docs/performance.md.
let selected = Set(CommandLine.arguments.dropFirst())
let all = selected.isEmpty
if all || selected.contains("token") {
    print(TokenBenchmark.run(), terminator: "")
}
if all || selected.contains("qr") {
    print(QRBenchmark.run(), terminator: "")
}
if selected.contains("token-sample") {
    let sample = TokenBenchmark.sample()
    print(sample.token)
    print(sample.publicKeyHex)
    print(sample.kidHex)
}
if selected.contains("profile-hmac") {
    TokenBenchmark.profileHMAC()
}
if selected.contains("profile-qr") {
    QRBenchmark.profile()
}
if selected.contains("verifier") {
    print(await VerifierBenchmark.run(), terminator: "")
}
if selected.contains("accounts") {
    print(try await AccountBenchmark.run(), terminator: "")
}
if selected.contains("cards") {
    print(try await CardBenchmark.run(), terminator: "")
}
if selected.contains("copy-export") {
    print(try await CopyExportBenchmark.run(), terminator: "")
}
if selected.contains("verifier-memory") {
    print(await VerifierBenchmark.memory(), terminator: "")
}
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "issuer-seed", let cards = Int(CommandLine.arguments[3]) {
    try await IssuerBenchmark.seed(directory: CommandLine.arguments[2], cards: cards)
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "minimal-server", let port = Int(CommandLine.arguments[2]) {
    try await IssuerBenchmark.minimalServer(port: port)
}
