/// The penalty score of a masked symbol (ISO/IEC 18004 §7.8.3.1, Table 11).
/// Lower is better.
///
/// - N1: each run of five or more same-coloured modules in a row or column
///   scores 3, plus 1 for each module beyond five.
/// - N2: each 2×2 block of one colour scores 3 (blocks may overlap).
/// - N3: each dark-light-dark-dark-dark-light-dark sequence (1:1:3:1:1) in a
///   row or column with four light modules right before or right after it
///   scores 40. The quiet zone around the symbol counts as light, and every
///   occurrence counts, overlapping ones included.
/// - N4: 10 for each full 5% by which the dark share departs from 50%.
enum QRPenalty {
    static func score(_ modules: [UInt8], size: Int, countsOverlappingPatterns: Bool = true) -> Int {
        modules.withUnsafeBufferPointer { m in
            var total = 0
            for line in 0..<size {
                total += lineScore(m, start: line * size, stride: 1, count: size, countsOverlapping: countsOverlappingPatterns)  // row
                total += lineScore(m, start: line, stride: size, count: size, countsOverlapping: countsOverlappingPatterns)      // column
            }
            var dark = 0
            for x in 0..<size { dark &+= Int(m[x]) }
            for y in 1..<size {
                let row = y * size, above = row - size
                dark &+= Int(m[row])
                for x in 1..<size {
                    let value = m[row + x]
                    dark &+= Int(value)
                    if value == m[row + x - 1] && value == m[above + x] && value == m[above + x - 1] {
                        total += 3
                    }
                }
            }
            let cells = size * size
            // k = ⌊|dark/cells − 50%| / 5%⌋ in integers: |20·dark − 10·cells| / cells.
            total += 10 * (abs(dark * 20 - cells * 10) / cells)
            return total
        }
    }

    /// The finder-like sequence 1011101, as the low seven bits of a window.
    private static let finderLike: UInt32 = 0b1011101

    /// N1 and N3 along one row or column.
    @inline(__always)
    private static func lineScore(_ m: UnsafeBufferPointer<UInt8>, start: Int, stride: Int, count: Int, countsOverlapping: Bool) -> Int {
        var score = 0
        // Without overlaps, the search resumes past a counted occurrence
        // (seven modules on) or past an uncounted one's first dark run (four on).
        var searchFrom = 0
        var runColour = m[start]
        var runLength = 0
        var window: UInt32 = 0
        var index = start
        for position in 0..<count {
            let value = m[index]
            index += stride
            if value == runColour {
                runLength += 1
            } else {
                if runLength >= 5 { score += runLength - 2 }
                runColour = value
                runLength = 1
            }
            window = (window << 1 | UInt32(value)) & 0x7F
            if position >= 6 && window == finderLike && position - 6 >= searchFrom {
                let first = position - 6
                if isLight(m, start: start, stride: stride, count: count, from: first - 4, to: first)
                    || isLight(m, start: start, stride: stride, count: count, from: first + 7, to: first + 11) {
                    score += 40
                    if !countsOverlapping { searchFrom = first + 7 }
                } else if !countsOverlapping {
                    searchFrom = first + 4
                }
            }
        }
        if runLength >= 5 { score += runLength - 2 }
        return score
    }

    /// Whether modules `from..<to` of the line are all light; positions off
    /// the symbol are the quiet zone, which is light.
    @inline(__always)
    private static func isLight(_ m: UnsafeBufferPointer<UInt8>, start: Int, stride: Int, count: Int, from: Int, to: Int) -> Bool {
        for position in max(from, 0)..<min(to, count) where m[start + position * stride] != 0 {
            return false
        }
        return true
    }
}
