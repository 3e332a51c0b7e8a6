/// One row or column of a symbol as bits, for scoring masks a word at a
/// time. Bit `x + 4` holds module `x`: four light bits on each side stand
/// for the quiet zone, and 192 bits hold the largest symbol (177 modules).
struct QRBitLine: Equatable, Sendable {
    var low: UInt64 = 0, middle: UInt64 = 0, high: UInt64 = 0

    /// Bit offset of module 0.
    static let margin = 4

    @inline(__always)
    mutating func set(_ bit: Int) {
        switch bit >> 6 {
        case 0: low |= 1 << UInt64(bit & 63)
        case 1: middle |= 1 << UInt64(bit & 63)
        default: high |= 1 << UInt64(bit & 63)
        }
    }

    /// Bits `from..<to` set.
    static func range(_ from: Int, _ to: Int) -> QRBitLine {
        var line = QRBitLine()
        for bit in from..<to { line.set(bit) }
        return line
    }

    @inline(__always)
    var nonzeroBitCount: Int { low.nonzeroBitCount + middle.nonzeroBitCount + high.nonzeroBitCount }

    /// Bit `i` of the result is bit `i + count` of `line` (0 < count < 64).
    @inline(__always)
    static func >> (line: QRBitLine, count: Int) -> QRBitLine {
        let c = UInt64(count), back = UInt64(64 - count)
        return QRBitLine(low: line.low >> c | line.middle << back, middle: line.middle >> c | line.high << back, high: line.high >> c)
    }

    /// Bit `i + count` of the result is bit `i` of `line` (0 < count < 64).
    @inline(__always)
    static func << (line: QRBitLine, count: Int) -> QRBitLine {
        let c = UInt64(count), back = UInt64(64 - count)
        return QRBitLine(low: line.low << c, middle: line.middle << c | line.low >> back, high: line.high << c | line.middle >> back)
    }

    @inline(__always) static func & (a: QRBitLine, b: QRBitLine) -> QRBitLine { QRBitLine(low: a.low & b.low, middle: a.middle & b.middle, high: a.high & b.high) }
    @inline(__always) static func | (a: QRBitLine, b: QRBitLine) -> QRBitLine { QRBitLine(low: a.low | b.low, middle: a.middle | b.middle, high: a.high | b.high) }
    @inline(__always) static func ^ (a: QRBitLine, b: QRBitLine) -> QRBitLine { QRBitLine(low: a.low ^ b.low, middle: a.middle ^ b.middle, high: a.high ^ b.high) }
    @inline(__always) static prefix func ~ (a: QRBitLine) -> QRBitLine { QRBitLine(low: ~a.low, middle: ~a.middle, high: ~a.high) }
}
