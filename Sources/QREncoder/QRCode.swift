/// A finished QR Code symbol: its version, level and mask, and the module
/// matrix (the lowest of the three API levels). Build one from text
/// (``encode(text:errorCorrection:options:)``), from segments
/// (``encode(segments:errorCorrection:options:)``), or from data codewords.
public struct QRCode: Hashable, Sendable {
    public let version: QRVersion
    public let errorCorrection: QRErrorCorrection
    public let mask: QRMask
    /// Modules per side.
    public var size: Int { version.size }
    /// Row-major, one byte per module: 1 dark, 0 light.
    public let modules: [UInt8]

    /// Whether the module at column `x`, row `y` is dark. Outside the
    /// symbol (the quiet zone) everything is light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x] != 0
    }

    /// The matrix as rows of booleans, `true` for dark.
    public var rows: [[Bool]] {
        (0..<size).map { y in (0..<size).map { x in modules[y * size + x] != 0 } }
    }
}

/// Choices for encoding; the defaults suit AC1 tokens.
public struct QREncodingOptions: Sendable {
    /// The smallest and largest versions to consider.
    public var versions: ClosedRange<Int> = 1...40
    /// A fixed mask, or nil to pick the one with the lowest penalty (§7.8.3).
    public var mask: QRMask? = nil
    /// Raise the error correction level as far as the chosen version allows.
    public var boostErrorCorrection = false
    /// How text is split into segments.
    public var segmentation: Segmentation = .optimal

    public enum Segmentation: Sendable {
        /// The segments with the fewest bits (mixed modes where that helps).
        case optimal
        /// One segment in the densest mode that fits all the text.
        case singleMode
        /// One segment in the given mode (byte mode always fits).
        case forced(QRMode)
    }

    public init(versions: ClosedRange<Int> = 1...40, mask: QRMask? = nil, boostErrorCorrection: Bool = false, segmentation: Segmentation = .optimal) {
        self.versions = versions
        self.mask = mask
        self.boostErrorCorrection = boostErrorCorrection
        self.segmentation = segmentation
    }
}

extension QRCode {
    /// Encodes text (as UTF-8) at the smallest version that holds it.
    public static func encode(text: String, errorCorrection: QRErrorCorrection = .medium, options: QREncodingOptions = .init()) throws(QRError) -> QRCode {
        let utf8 = Array(text.utf8)
        let (minimum, maximum) = try versionRange(options)
        switch options.segmentation {
        case .optimal:
            // The best split depends on the count-indicator widths, which
            // change at versions 10 and 27; try each width once.
            var cached: (group: Int, segments: [QRSegment])?
            var needed = 0
            for number in minimum...maximum {
                let version = QRVersion(uncheckedNumber: number)
                let group = number <= 9 ? 0 : number <= 26 ? 1 : 2
                if cached?.group != group {
                    cached = (group, QRSegmentation.optimalSegments(utf8, version: version))
                }
                let segments = cached!.segments
                guard let bits = QRSegment.totalBits(segments, at: version) else { continue }
                needed = bits
                if bits <= version.dataCapacityBits(errorCorrection) {
                    return try encode(segments: segments, errorCorrection: errorCorrection, options: options, fixedVersion: version)
                }
            }
            throw tooLong(bits: needed, bytes: utf8.count, level: errorCorrection, maximum: QRVersion(uncheckedNumber: maximum))
        case .singleMode:
            return try encode(segments: [QRSegmentation.segment(utf8, as: QRSegmentation.singleMode(utf8))], errorCorrection: errorCorrection, options: options)
        case .forced(let mode):
            guard mode == .byte || QRSegmentation.singleMode(utf8).rawValue <= mode.rawValue else {
                throw QRError(.invalidCharacter, "the text has characters \(mode) mode cannot encode")
            }
            return try encode(segments: [QRSegmentation.segment(utf8, as: mode)], errorCorrection: errorCorrection, options: options)
        }
    }

    /// Encodes segments at the smallest version that holds them.
    public static func encode(segments: [QRSegment], errorCorrection: QRErrorCorrection = .medium, options: QREncodingOptions = .init()) throws(QRError) -> QRCode {
        let (minimum, maximum) = try versionRange(options)
        var needed = 0
        for number in minimum...maximum {
            let version = QRVersion(uncheckedNumber: number)
            guard let bits = QRSegment.totalBits(segments, at: version) else { continue }
            needed = bits
            if bits <= version.dataCapacityBits(errorCorrection) {
                return try encode(segments: segments, errorCorrection: errorCorrection, options: options, fixedVersion: version)
            }
        }
        let bytes = segments.reduce(0) { $0 + ($1.mode == .byte ? $1.characterCount : 0) }
        throw tooLong(bits: needed, bytes: bytes, level: errorCorrection, maximum: QRVersion(uncheckedNumber: maximum))
    }

    private static func versionRange(_ options: QREncodingOptions) throws(QRError) -> (Int, Int) {
        let range = options.versions
        guard range.lowerBound >= 1, range.upperBound <= 40 else {
            throw QRError(.invalidParameter, "versions \(range.lowerBound)…\(range.upperBound) lie outside 1…40")
        }
        return (range.lowerBound, range.upperBound)
    }

    private static func tooLong(bits: Int, bytes: Int, level: QRErrorCorrection, maximum: QRVersion) -> QRError {
        let capacity = maximum.dataCapacityBits(level)
        let what = bytes > 0 ? " (\(bytes) bytes in byte mode)" : ""
        return QRError(
            .dataTooLong,
            "the data needs \(bits) bits\(what), but version \(maximum) at error correction \(level) holds \(capacity) bits; shorten the data, lower the error correction, or allow a larger version",
            dataBits: bits, capacityBits: capacity
        )
    }

    /// Encodes segments that are known to fit `version`.
    private static func encode(segments: [QRSegment], errorCorrection: QRErrorCorrection, options: QREncodingOptions, fixedVersion version: QRVersion) throws(QRError) -> QRCode {
        var level = errorCorrection
        let bits = QRSegment.totalBits(segments, at: version)!
        if options.boostErrorCorrection {
            for higher in QRErrorCorrection.allCases where higher > level && bits <= version.dataCapacityBits(higher) {
                level = higher
            }
        }
        return try QRCode(version: version, errorCorrection: level, dataCodewords: dataCodewords(segments, version: version, level: level), mask: options.mask)
    }

    /// The data codewords of segments at a version they fit: mode and count
    /// headers, the data, a terminator of up to four zero bits, zeros to the
    /// byte boundary, then the pad codewords 11101100 and 00010001 in turn
    /// (§7.4.9–§7.4.10).
    static func dataCodewords(_ segments: [QRSegment], version: QRVersion, level: QRErrorCorrection) -> [UInt8] {
        let capacity = version.dataCapacityBits(level)
        var stream = QRBitBuffer(capacityBits: capacity)
        for segment in segments {
            stream.append(segment.mode.indicator, bits: 4)
            stream.append(segment.characterCount, bits: segment.mode.characterCountBits(version))
            stream.append(segment.bits)
        }
        stream.append(0, bits: min(4, capacity - stream.count))
        stream.append(0, bits: (8 - stream.count % 8) % 8)
        var pad = 0xEC
        while stream.count < capacity {
            stream.append(pad, bits: 8)
            pad ^= 0xEC ^ 0x11
        }
        return stream.bytes
    }

    /// Builds a symbol from its data codewords (the bit stream after padding):
    /// adds error correction, interleaves, places and masks.
    public init(version: QRVersion, errorCorrection: QRErrorCorrection, dataCodewords: [UInt8], mask: QRMask? = nil) throws(QRError) {
        try self.init(version: version, errorCorrection: errorCorrection, dataCodewords: dataCodewords, mask: mask, evaluation: .finalSymbol)
    }

    init(version: QRVersion, errorCorrection: QRErrorCorrection, dataCodewords: [UInt8], mask: QRMask?, evaluation: MaskEvaluation) throws(QRError) {
        guard dataCodewords.count == version.dataCodewords(errorCorrection) else {
            throw QRError(.invalidParameter, "version \(version) at \(errorCorrection) takes \(version.dataCodewords(errorCorrection)) data codewords, not \(dataCodewords.count)")
        }
        let codewords = Self.interleave(dataCodewords, version: version, level: errorCorrection)
        let template = QRTemplate.of(version)
        var unmasked = template.modules
        // Place the codewords' bits, most significant first, in placement order.
        template.dataPositions.withUnsafeBufferPointer { positions in
            unmasked.withUnsafeMutableBufferPointer { modules in
                for (index, codeword) in codewords.enumerated() {
                    for bit in 0..<8 where (codeword >> (7 - bit)) & 1 == 1 {
                        modules[Int(positions[index * 8 + bit])] = 1
                    }
                }
            }
        }
        let chosen = mask ?? QRMaskSelection.best(unmasked, template: template, level: errorCorrection, evaluation: evaluation)
        self.version = version
        self.errorCorrection = errorCorrection
        self.mask = chosen
        self.modules = QRMaskSelection.apply(chosen, to: unmasked, template: template, level: errorCorrection)
    }

    /// Splits data into blocks, appends each block's Reed–Solomon codewords,
    /// and interleaves column by column (§7.5–§7.6).
    static func interleave(_ data: [UInt8], version: QRVersion, level: QRErrorCorrection) -> [UInt8] {
        let blockCount = QRBlockTable.blockCount(version, level)
        let eccLength = QRBlockTable.eccCodewordsPerBlock(version, level)
        let total = version.totalCodewords
        let shortBlocks = blockCount - total % blockCount
        let shortDataLength = total / blockCount - eccLength
        var blocks: [(data: ArraySlice<UInt8>, ecc: [UInt8])] = []
        blocks.reserveCapacity(blockCount)
        var start = 0
        for index in 0..<blockCount {
            let length = shortDataLength + (index < shortBlocks ? 0 : 1)
            let slice = data[start..<(start + length)]
            blocks.append((slice, ReedSolomon.remainder(of: slice, count: eccLength)))
            start += length
        }
        var result: [UInt8] = []
        result.reserveCapacity(total)
        for column in 0...shortDataLength {
            for block in blocks where column < block.data.count {
                result.append(block.data[block.data.startIndex + column])
            }
        }
        for column in 0..<eccLength {
            for block in blocks { result.append(block.ecc[column]) }
        }
        return result
    }
}
