/// A JPEG's marker structure (ITU-T T.81 Annex B), walked byte by byte:
/// SOI, then marker segments with their big-endian lengths, the
/// entropy-coded data after each SOS (where `FF 00` is a stuffed byte and
/// `FF D0`–`FF D7` restart markers), up to EOI. Nothing is decoded.
struct JPEGStructure: Sendable {
    private enum State: Sendable {
        case start(Int)
        case marker
        case code
        case lengthHigh(UInt8)
        case lengthLow(UInt8, high: UInt8)
        case segment(left: Int, scan: Bool)
        case entropy
        case entropyMarker
        case ended
    }

    private var state: State = .start(0)
    private var sawFrame = false
    private var sawScan = false
    /// Segments read; a bound so no input can make the walk pathological.
    private var segments = 0

    static let maximumSegments = 100_000

    mutating func feed(_ bytes: ArraySlice<UInt8>) throws(FileStructureError) -> Int {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if case .ended = state { return index - bytes.startIndex }
            let byte = bytes[index]
            index += 1
            switch state {
            case .start(let seen):
                guard byte == [0xFF, 0xD8][seen] else { throw .malformed("no JPEG start marker") }
                state = seen == 1 ? .marker : .start(seen + 1)
            case .marker:
                guard byte == 0xFF else { throw .malformed("a byte where a JPEG marker must begin") }
                state = .code
            case .code:
                try marker(byte)
            case .lengthHigh(let code):
                state = .lengthLow(code, high: byte)
            case .lengthLow(let code, let high):
                let length = Int(high) << 8 | Int(byte)
                guard length >= 2 else { throw .malformed("a segment length below 2") }
                if code == 0xDA { sawScan = true }
                if Self.isFrame(code) {
                    guard length >= 8 else { throw .malformed("a frame header too short") }
                    sawFrame = true
                }
                state = length == 2 ? (code == 0xDA ? .entropy : .marker) : .segment(left: length - 2, scan: code == 0xDA)
            case .segment(let left, let scan):
                // Skip what is left of the segment at once.
                let skip = min(left - 1, bytes.endIndex - index)
                index += skip
                let remaining = left - 1 - skip
                state = remaining > 0 ? .segment(left: remaining, scan: scan) : (scan ? .entropy : .marker)
            case .entropy:
                if byte == 0xFF { state = .entropyMarker }
            case .entropyMarker:
                switch byte {
                case 0x00, 0xD0...0xD7: state = .entropy
                case 0xFF: state = .entropyMarker
                default: try marker(byte)
                }
            case .ended:
                break
            }
        }
        if case .ended = state { return index - bytes.startIndex }
        return bytes.count
    }

    private mutating func marker(_ code: UInt8) throws(FileStructureError) {
        segments += 1
        guard segments <= Self.maximumSegments else { throw .malformed("more than \(Self.maximumSegments) segments") }
        switch code {
        case 0xFF: state = .code // fill byte
        case 0xD9:
            guard sawFrame && sawScan else { throw .malformed("the end marker comes before any image data") }
            state = .ended
        case 0x01: state = .marker // TEM: no length
        case 0x00, 0xD0...0xD8: throw .malformed("marker FF \(String(code, radix: 16, uppercase: true)) out of place")
        default:
            if code == 0xDA && !sawFrame { throw .malformed("a scan before the frame header") }
            state = .lengthHigh(code)
        }
    }

    /// SOF0–SOF15, less DHT (C4), JPG (C8) and DAC (CC).
    static func isFrame(_ code: UInt8) -> Bool {
        (0xC0...0xCF).contains(code) && code != 0xC4 && code != 0xC8 && code != 0xCC
    }

    func finish() throws(FileStructureError) {
        guard case .ended = state else { throw .truncated("the JPEG has no end marker (FF D9)") }
    }
}
