/// Comparison whose running time does not depend on where two byte strings
/// differ, so a forger learns nothing from timing (ac1-token.md §2). The
/// one such comparison of the project; MACs are checked by swift-crypto's own.
public enum ConstantTime {
    /// True when `a` and `b` hold the same bytes. Only the lengths, which are
    /// public, decide early.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
