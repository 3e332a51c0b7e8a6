import Synchronization

/// What every symbol of one version shares: the function patterns, the
/// version information, and the order in which data modules are filled.
/// Built once per version and reused by every encode.
struct QRTemplate: Sendable {
    let version: QRVersion
    let size: Int
    /// 1 for dark; function patterns drawn, format areas light, data light.
    let modules: [UInt8]
    /// Flat indices (y·size + x) of the data modules, in placement order (§7.7.3).
    let dataPositions: [Int32]
    /// Flat indices of the two copies of the format information, bit 0 first.
    let formatPositions: (first: [Int32], second: [Int32])
    /// Flat indices of both blocks of version information (versions 7 and up).
    let versionPositions: [Int32]

    /// For each mask, the modules it inverts (data modules only), as rows
    /// and as columns of bits.
    let maskRows: [[QRBitLine]]
    let maskColumns: [[QRBitLine]]
    /// Format and version information and the dark module, as rows and columns.
    let informationRows: [QRBitLine]
    let informationColumns: [QRBitLine]
    let bounds: QRPackedPenalty.Bounds

    /// Templates built so far; each version is built on first use.
    private static let cache = Mutex<[QRTemplate?]>(Array(repeating: nil, count: 40))

    static func of(_ version: QRVersion) -> QRTemplate {
        cache.withLock { templates in
            if let template = templates[version.number - 1] { return template }
            let template = QRTemplate(version: version)
            templates[version.number - 1] = template
            return template
        }
    }

    private init(version: QRVersion) {
        self.version = version
        let size = version.size
        self.size = size
        var modules = [UInt8](repeating: 0, count: size * size)
        var isFunction = [Bool](repeating: false, count: size * size)
        func set(_ x: Int, _ y: Int, _ dark: Bool) {
            modules[y * size + x] = dark ? 1 : 0
            isFunction[y * size + x] = true
        }

        // Timing patterns (§6.3.5): alternate along row 6 and column 6.
        for index in 0..<size {
            set(6, index, index % 2 == 0)
            set(index, 6, index % 2 == 0)
        }
        // Finder patterns with their separators (§6.3.3): 7×7 rings in three
        // corners, framed by a light border one module wide.
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = cx + dx, y = cy + dy
                    guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                    let ring = max(abs(dx), abs(dy))
                    set(x, y, ring != 2 && ring != 4)
                }
            }
        }
        // Alignment patterns (§6.3.6): 5×5 rings at every pair of centres,
        // except the three that would overlap a finder.
        let centres = version.alignmentPatternCentres
        for (i, cx) in centres.enumerated() {
            for (j, cy) in centres.enumerated() {
                let last = centres.count - 1
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 {
                    for dx in -2...2 { set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        // Format information areas (§7.9.1), reserved light here; each
        // symbol writes its own bits. The dark module beside them is fixed.
        var first: [Int32] = [], second: [Int32] = []
        for index in 0...5 { first.append(Int32(index * size + 8)) }       // (8, 0…5)
        first.append(Int32(7 * size + 8))                                    // (8, 7)
        first.append(Int32(8 * size + 8))                                    // (8, 8)
        first.append(Int32(8 * size + 7))                                    // (7, 8)
        for index in 9..<15 { first.append(Int32(8 * size + 14 - index)) }  // (5…0, 8)
        for index in 0..<8 { second.append(Int32(8 * size + size - 1 - index)) }      // (size−1…size−8, 8)
        for index in 8..<15 { second.append(Int32((size - 15 + index) * size + 8)) }  // (8, size−7…size−1)
        for position in first + second {
            modules[Int(position)] = 0
            isFunction[Int(position)] = true
        }
        set(8, size - 8, true)
        formatPositions = (first, second)

        // Version information (§7.10), versions 7 and up: 18 bits in two 6×3 blocks.
        var versionPositions: [Int32] = []
        if version.number >= 7 {
            let bits = QRFormatBits.versionBits(version)
            for index in 0..<18 {
                let dark = (bits >> index) & 1 == 1
                let a = size - 11 + index % 3, b = index / 3
                set(a, b, dark)
                set(b, a, dark)
                versionPositions += [Int32(b * size + a), Int32(a * size + b)]
            }
        }
        self.versionPositions = versionPositions

        // Data placement order (§7.7.3): two-module columns from the right,
        // zigzagging up and down, stepping over the vertical timing pattern.
        var positions: [Int32] = []
        positions.reserveCapacity(version.rawDataModules)
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vertical in 0..<size {
                let upward = (right + 1) & 2 == 0
                let y = upward ? size - 1 - vertical : vertical
                for x in [right, right - 1] where !isFunction[y * size + x] {
                    positions.append(Int32(y * size + x))
                }
            }
            right -= 2
        }
        precondition(positions.count == version.rawDataModules, "placement does not match the version's data modules")
        self.modules = modules
        self.dataPositions = positions

        let margin = QRBitLine.margin
        var maskRows: [[QRBitLine]] = [], maskColumns: [[QRBitLine]] = []
        for mask in QRMask.all {
            var rows = [QRBitLine](repeating: QRBitLine(), count: size)
            var columns = rows
            for position in positions {
                let y = Int(position) / size, x = Int(position) % size
                if mask.inverts(x: x, y: y) {
                    rows[y].set(x + margin)
                    columns[x].set(y + margin)
                }
            }
            maskRows.append(rows)
            maskColumns.append(columns)
        }
        self.maskRows = maskRows
        self.maskColumns = maskColumns
        var informationRows = [QRBitLine](repeating: QRBitLine(), count: size)
        var informationColumns = informationRows
        for position in first + second + versionPositions + [Int32((size - 8) * size + 8)] {
            let y = Int(position) / size, x = Int(position) % size
            informationRows[y].set(x + margin)
            informationColumns[x].set(y + margin)
        }
        self.informationRows = informationRows
        self.informationColumns = informationColumns
        self.bounds = QRPackedPenalty.Bounds(size: size)
    }
}
