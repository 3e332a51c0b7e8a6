/// A random number generator that plays back fixed values, so a test can
/// make an issuer draw exactly the token id a vector names.
public struct ScriptedRandom: RandomNumberGenerator, Sendable {
    private var values: [UInt64]
    private var index = 0

    public init(_ values: [UInt64]) {
        precondition(!values.isEmpty, "give at least one value")
        self.values = values
    }

    /// Plays back big-endian 8-byte groups of `bytes`.
    public init(bytes: [UInt8]) {
        precondition(bytes.count % 8 == 0 && !bytes.isEmpty, "give whole 8-byte groups")
        self.init(stride(from: 0, to: bytes.count, by: 8).map { start in
            bytes[start..<start + 8].reduce(0) { $0 << 8 | UInt64($1) }
        })
    }

    public mutating func next() -> UInt64 {
        defer { index = (index + 1) % values.count }
        return values[index]
    }
}

/// A seedable generator (SplitMix64) for reproducible property tests.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
