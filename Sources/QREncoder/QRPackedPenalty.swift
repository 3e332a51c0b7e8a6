/// The penalty score of §7.8.3 (as ``QRPenalty`` defines it, counting
/// overlapping finder-like sequences) computed on bit lines, 64 modules per
/// operation: rows for N1, N2, N3 and N4, columns for N1 and N3.
///
/// - N1: a window of five equal modules starting at p is "no change between
///   p and p+4"; a run of L ≥ 5 holds L − 4 such windows and scores L − 2,
///   so N1 = windows + 2 × (runs, i.e. windows not preceded by one).
/// - N3: 0000 1011101 or 1011101 0000 matched bit-parallel; the margin
///   bits are light, as the quiet zone is.
enum QRPackedPenalty {
    /// Masks of the valid start positions for one symbol size.
    struct Bounds: Sendable {
        let size: Int
        /// Starts p of five-module windows inside the symbol.
        let windows: QRBitLine
        /// Starts p of 2×2 blocks (p and p + 1 inside the symbol).
        let pairs: QRBitLine

        init(size: Int) {
            self.size = size
            let m = QRBitLine.margin
            windows = .range(m, m + size - 4)
            pairs = .range(m, m + size - 1)
        }
    }

    static func score(rows: UnsafeBufferPointer<QRBitLine>, columns: UnsafeBufferPointer<QRBitLine>, bounds: Bounds) -> Int {
        var total = 0
        var dark = 0
        for y in 0..<bounds.size {
            let row = rows[y]
            total += lineScore(row, bounds)
            total += lineScore(columns[y], bounds)
            dark += row.nonzeroBitCount
            if y + 1 < bounds.size {
                // N2: a[p] = b[p], a[p+1] = b[p+1] and a[p] = a[p+1].
                let below = rows[y + 1]
                let vertical = ~(row ^ below)
                let blocks = vertical & (vertical >> 1) & ~(row ^ (row >> 1)) & bounds.pairs
                total += 3 * blocks.nonzeroBitCount
            }
        }
        let cells = bounds.size * bounds.size
        total += 10 * (abs(dark * 20 - cells * 10) / cells)
        return total
    }

    @inline(__always)
    private static func lineScore(_ line: QRBitLine, _ bounds: Bounds) -> Int {
        // N1
        let change = line ^ (line >> 1)
        let windows = ~(change | change >> 1 | change >> 2 | change >> 3) & bounds.windows
        let starts = windows & ~(windows << 1)
        var score = windows.nonzeroBitCount + 2 * starts.nonzeroBitCount

        // N3: f has bit s set where 1011101 starts at s.
        let inverse = ~line
        let finder = line & (inverse >> 1) & (line >> 2) & (line >> 3) & (line >> 4) & (inverse >> 5) & (line >> 6)
        // Four light modules right after (s + 7…s + 10) or right before (s − 4…s − 1).
        let lightRun = inverse & (inverse >> 1) & (inverse >> 2) & (inverse >> 3) // bit q: q…q+3 light
        let matched = finder & ((lightRun >> 7) | (lightRun << 4))
        score += 40 * matched.nonzeroBitCount
        return score
    }
}
