/// A run of data in one mode: its mode, its character count and its bits
/// (ISO/IEC 18004 §7.4). The middle level of the API: callers who know how
/// their data should be split build segments themselves.
public struct QRSegment: Hashable, Sendable {
    public let mode: QRMode
    /// Characters for numeric and alphanumeric mode, bytes for byte mode.
    public let characterCount: Int
    let bits: QRBitBuffer

    /// A numeric segment: digits only, three to 10 bits (§7.4.3).
    public static func numeric(_ digits: String) throws(QRError) -> QRSegment {
        let utf8 = Array(digits.utf8)
        guard utf8.allSatisfy(QRMode.isNumeric) else {
            throw QRError(.invalidCharacter, "numeric mode takes only the digits 0-9")
        }
        return numeric(utf8: utf8[...])
    }

    static func numeric(utf8: ArraySlice<UInt8>) -> QRSegment {
        var bits = QRBitBuffer(capacityBits: utf8.count * 10 / 3 + 4)
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let take = min(3, utf8.endIndex - index)
            var value = 0
            for offset in 0..<take { value = value * 10 + Int(utf8[index + offset] - 0x30) }
            bits.append(value, bits: take * 3 + 1) // 3 digits → 10 bits, 2 → 7, 1 → 4
            index += take
        }
        return QRSegment(mode: .numeric, characterCount: utf8.count, bits: bits)
    }

    /// An alphanumeric segment: `0-9 A-Z space $ % * + - . / :`, pairs in
    /// 11 bits (§7.4.4).
    public static func alphanumeric(_ text: String) throws(QRError) -> QRSegment {
        let utf8 = Array(text.utf8)
        guard utf8.allSatisfy(QRMode.isAlphanumeric) else {
            throw QRError(.invalidCharacter, "alphanumeric mode takes only 0-9, A-Z, space and $%*+-./:")
        }
        return alphanumeric(utf8: utf8[...])
    }

    static func alphanumeric(utf8: ArraySlice<UInt8>) -> QRSegment {
        var bits = QRBitBuffer(capacityBits: utf8.count * 11 / 2 + 6)
        var index = utf8.startIndex
        while index + 1 < utf8.endIndex {
            let pair = Int(QRMode.alphanumericValues[Int(utf8[index])]) * 45 + Int(QRMode.alphanumericValues[Int(utf8[index + 1])])
            bits.append(pair, bits: 11)
            index += 2
        }
        if index < utf8.endIndex {
            bits.append(Int(QRMode.alphanumericValues[Int(utf8[index])]), bits: 6)
        }
        return QRSegment(mode: .alphanumeric, characterCount: utf8.count, bits: bits)
    }

    /// A byte segment of any bytes; for text, its UTF-8 (§7.4.5).
    public static func bytes(_ data: some Collection<UInt8>) -> QRSegment {
        var bits = QRBitBuffer(capacityBits: data.count * 8)
        for byte in data { bits.append(Int(byte), bits: 8) }
        return QRSegment(mode: .byte, characterCount: data.count, bits: bits)
    }

    /// Bits this segment takes at `version`, header included; nil if its
    /// character count does not fit the count indicator.
    func totalBits(at version: QRVersion) -> Int? {
        let countBits = mode.characterCountBits(version)
        guard characterCount < 1 << countBits else { return nil }
        return 4 + countBits + bits.count
    }

    /// Bits a list of segments takes at `version`; nil if any count overflows.
    static func totalBits(_ segments: [QRSegment], at version: QRVersion) -> Int? {
        var total = 0
        for segment in segments {
            guard let bits = segment.totalBits(at: version) else { return nil }
            total += bits
        }
        return total
    }
}
