/// How masked symbols are scored. The standard (§7.8.3) leaves two things
/// open, and implementations read them differently:
/// - whether the format and version information are already drawn when a
///   masked symbol is scored (they cannot be final before the mask is
///   chosen, yet they are part of what a reader sees);
/// - whether finder-like sequences that overlap (1011101011101 holds two)
///   both count for N3.
struct MaskEvaluation: Sendable, Equatable {
    /// Score with format and version information drawn and the dark module
    /// dark; with them light when false.
    var drawsFormatAndVersion: Bool
    /// Count every N3 occurrence; when false, a search resumes after each
    /// counted occurrence, so an overlapping one is missed.
    var countsOverlappingPatterns: Bool

    /// Ours: the symbol as printed, and every finder-like sequence a reader
    /// could mistake (the reading of libqrencode and ZXing for the first point).
    static let finalSymbol = MaskEvaluation(drawsFormatAndVersion: true, countsOverlappingPatterns: true)
    /// segno's reading of both points.
    static let segno = MaskEvaluation(drawsFormatAndVersion: false, countsOverlappingPatterns: false)
}

/// Applying masks and choosing the best one (§7.8).
enum QRMaskSelection {
    /// The mask with the lowest penalty; the lowest number wins a tie.
    /// `unmasked` is the symbol with its data placed and, as in the
    /// template, its format areas light.
    static func best(_ unmasked: [UInt8], template: QRTemplate, level: QRErrorCorrection, evaluation: MaskEvaluation) -> QRMask {
        guard evaluation.countsOverlappingPatterns else {
            return bestByModules(unmasked, template: template, level: level, evaluation: evaluation)
        }
        return bestByBitLines(unmasked, template: template, level: level, drawsFormatAndVersion: evaluation.drawsFormatAndVersion)
    }

    /// Scores each mask on bit lines (``QRPackedPenalty``): the unmasked
    /// symbol is packed once, and each mask is a table lookup and XOR away.
    static func bestByBitLines(_ unmasked: [UInt8], template: QRTemplate, level: QRErrorCorrection, drawsFormatAndVersion: Bool) -> QRMask {
        let size = template.size, margin = QRBitLine.margin
        var rows = [QRBitLine](repeating: QRBitLine(), count: size)
        var columns = rows
        unmasked.withUnsafeBufferPointer { m in
            for y in 0..<size {
                for x in 0..<size where m[y * size + x] != 0 {
                    rows[y].set(x + margin)
                    columns[x].set(y + margin)
                }
            }
        }
        if !drawsFormatAndVersion {
            for index in 0..<size {
                rows[index] = rows[index] & ~template.informationRows[index]
                columns[index] = columns[index] & ~template.informationColumns[index]
            }
        }
        var maskedRows = rows, maskedColumns = columns
        var bestMask = QRMask.all[0]
        var bestScore = Int.max
        for mask in QRMask.all {
            let maskRows = template.maskRows[mask.number], maskColumns = template.maskColumns[mask.number]
            for index in 0..<size {
                maskedRows[index] = rows[index] ^ maskRows[index]
                maskedColumns[index] = columns[index] ^ maskColumns[index]
            }
            if drawsFormatAndVersion {
                let bits = QRFormatBits.formatBits(level, mask)
                for bit in 0..<15 where (bits >> bit) & 1 == 1 {
                    for position in [template.formatPositions.first[bit], template.formatPositions.second[bit]] {
                        let y = Int(position) / size, x = Int(position) % size
                        maskedRows[y].set(x + margin)
                        maskedColumns[x].set(y + margin)
                    }
                }
            }
            let score = maskedRows.withUnsafeBufferPointer { r in
                maskedColumns.withUnsafeBufferPointer { c in QRPackedPenalty.score(rows: r, columns: c, bounds: template.bounds) }
            }
            if score < bestScore {
                bestScore = score
                bestMask = mask
            }
        }
        return bestMask
    }

    /// Scores each masked symbol module by module (``QRPenalty``); the only
    /// way to score without counting overlapping finder-like sequences.
    static func bestByModules(_ unmasked: [UInt8], template: QRTemplate, level: QRErrorCorrection, evaluation: MaskEvaluation) -> QRMask {
        var bestMask = QRMask.all[0]
        var bestScore = Int.max
        var scratch = unmasked
        for mask in QRMask.all {
            scratch.withUnsafeMutableBufferPointer { buffer in
                _ = buffer.update(fromContentsOf: unmasked)
            }
            applyInPlace(mask, to: &scratch, template: template, level: level)
            if !evaluation.drawsFormatAndVersion {
                for position in template.formatPositions.first + template.formatPositions.second + template.versionPositions {
                    scratch[Int(position)] = 0
                }
                scratch[(template.size - 8) * template.size + 8] = 0
            }
            let score = QRPenalty.score(scratch, size: template.size, countsOverlappingPatterns: evaluation.countsOverlappingPatterns)
            if score < bestScore {
                bestScore = score
                bestMask = mask
            }
        }
        return bestMask
    }

    /// The masked symbol with its format information.
    static func apply(_ mask: QRMask, to unmasked: [UInt8], template: QRTemplate, level: QRErrorCorrection) -> [UInt8] {
        var modules = unmasked
        applyInPlace(mask, to: &modules, template: template, level: level)
        return modules
    }

    /// Inverts the data modules the mask selects and writes the format bits.
    static func applyInPlace(_ mask: QRMask, to modules: inout [UInt8], template: QRTemplate, level: QRErrorCorrection) {
        let size = template.size
        template.dataPositions.withUnsafeBufferPointer { positions in
            modules.withUnsafeMutableBufferPointer { buffer in
                for position in positions {
                    let index = Int(position)
                    let y = index / size, x = index - y * size
                    if mask.inverts(x: x, y: y) { buffer[index] ^= 1 }
                }
            }
        }
        let bits = QRFormatBits.formatBits(level, mask)
        for bit in 0..<15 {
            let dark = UInt8((bits >> bit) & 1)
            modules[Int(template.formatPositions.first[bit])] = dark
            modules[Int(template.formatPositions.second[bit])] = dark
        }
    }
}
