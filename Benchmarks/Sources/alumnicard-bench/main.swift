import Foundation

// alumnicard-bench [token|qr|token-sample|profile-hmac]…
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
