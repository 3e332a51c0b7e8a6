@testable import QREncoder
import TestSupport
import Testing

/// The two penalty scorers, module by module (`QRPenalty`) and on bit lines
/// (`QRPackedPenalty`, the fast path), agree exactly.
@Suite(.onItsOwnThread) struct QRPenaltyTests {
    static func pack(_ modules: [UInt8], size: Int) -> (rows: [QRBitLine], columns: [QRBitLine]) {
        var rows = [QRBitLine](repeating: QRBitLine(), count: size)
        var columns = rows
        for y in 0..<size {
            for x in 0..<size where modules[y * size + x] != 0 {
                rows[y].set(x + QRBitLine.margin)
                columns[x].set(y + QRBitLine.margin)
            }
        }
        return (rows, columns)
    }

    static func packedScore(_ modules: [UInt8], size: Int) -> Int {
        let (rows, columns) = pack(modules, size: size)
        return rows.withUnsafeBufferPointer { r in
            columns.withUnsafeBufferPointer { c in QRPackedPenalty.score(rows: r, columns: c, bounds: .init(size: size)) }
        }
    }

    @Test func bothScorersAgreeOnRandomAndStructuredMatrices() {
        var random = SeededRandom(seed: 7583)
        for size in [21, 25, 45, 57, 64, 65, 101, 177] {
            for density in [2, 3, 8] {
                // Sparse and dense matrices make long runs, blocks and finder-like sequences.
                let modules = (0..<size * size).map { _ in UInt8(Int.random(in: 0..<density, using: &random) == 0 ? 1 : 0) }
                #expect(Self.packedScore(modules, size: size) == QRPenalty.score(modules, size: size), "size \(size), density 1/\(density)")
            }
            // Rows of 1011101 with light space, overlapping 10111011101, and stripes.
            let patterned = (0..<size * size).map { index -> UInt8 in
                let x = index % size, y = index / size
                let pattern: [UInt8] = y % 3 == 0 ? [1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0] : y % 3 == 1 ? [1, 0, 1, 1, 1, 0] : [1, 1]
                return pattern[x % pattern.count]
            }
            #expect(Self.packedScore(patterned, size: size) == QRPenalty.score(patterned, size: size), "patterned size \(size)")
        }
    }

    @Test func bothMaskSelectionsAgreeOnRealSymbols() throws {
        var random = SeededRandom(seed: 18004)
        for number in [1, 2, 6, 7, 10, 22, 27, 40] {
            let version = try QRVersion(number)
            for level in QRErrorCorrection.allCases {
                let data = (0..<version.dataCodewords(level)).map { _ in UInt8.random(in: 0...255, using: &random) }
                let code = try QRCode(version: version, errorCorrection: level, dataCodewords: data)
                let template = QRTemplate.of(version)
                // Rebuild the unmasked symbol from the chosen one: masking is an involution.
                var unmasked = QRMaskSelection.apply(code.mask, to: code.modules, template: template, level: level)
                // Format areas are light before a mask is chosen, as in the template.
                for position in template.formatPositions.first + template.formatPositions.second { unmasked[Int(position)] = 0 }
                for draws in [true, false] {
                    let evaluation = MaskEvaluation(drawsFormatAndVersion: draws, countsOverlappingPatterns: true)
                    #expect(QRMaskSelection.bestByBitLines(unmasked, template: template, level: level, drawsFormatAndVersion: draws)
                            == QRMaskSelection.bestByModules(unmasked, template: template, level: level, evaluation: evaluation),
                            "version \(number) \(level) drawn \(draws)")
                }
            }
        }
    }
}
