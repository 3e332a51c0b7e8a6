/// A strict, allocation-free pull decoder for the CBOR subset AC1 uses:
/// integers, byte and text strings, arrays, maps and tags.
///
/// It accepts only core deterministic encoding (RFC 8949 §4.2.1) and rejects,
/// each with its own ``CardTokenError/Code``:
/// - indefinite lengths (additional information 31) and reserved values (28–30);
/// - integers, lengths and tags not in their shortest form;
/// - map keys that are unsorted or repeated (compared as encoded bytes);
/// - nesting deeper than ``maximumDepth``;
/// - lengths and counts larger than the bytes that are left, before anything
///   is allocated;
/// - floats and simple values, which AC1 never writes.
///
/// Strings are returned as ranges into the input, so a caller can verify a
/// signature over exactly the bytes it received.
public struct CBORReader: Sendable {
    /// How deeply arrays, maps and tags may nest. AC1 needs four levels
    /// (tag, array, claims map, card map); the rest is room for unknown card
    /// entries.
    public static let maximumDepth = 16

    /// The whole input; positions below index into it.
    public let bytes: [UInt8]
    /// The next byte to read.
    public private(set) var position: Int
    /// One past the last byte this reader may read.
    public let end: Int

    /// Reads `bytes[range]` (all of `bytes` by default).
    public init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        let range = range ?? bytes.startIndex..<bytes.endIndex
        precondition(range.lowerBound >= bytes.startIndex && range.upperBound <= bytes.endIndex, "range outside the buffer")
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    /// True when every byte has been read.
    public var isAtEnd: Bool { position == end }

    /// The major type of the next item, without reading it; nil at the end.
    public var nextMajorType: CBORMajorType? {
        position < end ? CBORMajorType(rawValue: bytes[position] >> 5) : nil
    }

    /// The bytes that are left.
    public var remaining: Int { end - position }

    /// Throws unless every byte has been read.
    public func expectEnd(_ what: @autoclosure () -> String = "the item") throws(CardTokenError) {
        guard isAtEnd else {
            throw CardTokenError(.cborTrailingBytes, "\(remaining) byte(s) follow \(what()) at offset \(position)")
        }
    }

    // MARK: - Heads

    /// Reads an item's head: its major type and argument (RFC 8949 §3),
    /// rejecting indefinite lengths, reserved values and non-shortest forms.
    public mutating func readHead() throws(CardTokenError) -> (major: CBORMajorType, argument: UInt64) {
        guard position < end else {
            throw CardTokenError(.cborTruncated, "the CBOR input ends at offset \(position) where an item should start")
        }
        let start = position
        let initial = bytes[position]
        position += 1
        let major = CBORMajorType(rawValue: initial >> 5)!
        let info = initial & 0x1F
        if major == .simpleOrFloat {
            throw CardTokenError(
                .cborUnsupportedType,
                "a float or simple value (initial byte 0x\(hex(initial))) at offset \(start); AC1 uses none"
            )
        }
        let argument: UInt64
        switch info {
        case 0..<24:
            return (major, UInt64(info))
        case 24:
            argument = try readBigEndian(count: 1)
            if argument < 24 { throw nonShortest(start) }
        case 25:
            argument = try readBigEndian(count: 2)
            if argument <= 0xFF { throw nonShortest(start) }
        case 26:
            argument = try readBigEndian(count: 4)
            if argument <= 0xFFFF { throw nonShortest(start) }
        case 27:
            argument = try readBigEndian(count: 8)
            if argument <= 0xFFFF_FFFF { throw nonShortest(start) }
        case 31:
            throw CardTokenError(.cborIndefiniteLength, "an indefinite-length item at offset \(start); only definite lengths are allowed")
        default:
            throw CardTokenError(.cborUnsupportedType, "reserved additional information \(info) at offset \(start)")
        }
        return (major, argument)
    }

    private mutating func readBigEndian(count: Int) throws(CardTokenError) -> UInt64 {
        guard remaining >= count else {
            throw CardTokenError(.cborTruncated, "the CBOR input ends inside an item head at offset \(position)")
        }
        var value: UInt64 = 0
        for offset in 0..<count {
            value = value << 8 | UInt64(bytes[position + offset])
        }
        position += count
        return value
    }

    private func nonShortest(_ offset: Int) -> CardTokenError {
        CardTokenError(.cborNonShortestForm, "the item head at offset \(offset) is not in its shortest form")
    }

    /// Reads a head and checks its major type.
    public mutating func readHead(expecting expected: CBORMajorType, _ what: @autoclosure () -> String) throws(CardTokenError) -> UInt64 {
        let start = position
        let head = try readHead()
        guard head.major == expected else {
            throw CardTokenError(.cborUnexpectedType, "\(what()) at offset \(start) is a \(head.major), not a \(expected)")
        }
        return head.argument
    }

    // MARK: - Typed reads

    /// Reads an unsigned integer (major type 0).
    public mutating func readUnsigned(_ what: @autoclosure () -> String = "an unsigned integer") throws(CardTokenError) -> UInt64 {
        try readHead(expecting: .unsignedInteger, what())
    }

    /// Reads an integer of major type 0 or 1 as an `Int64`; nil when it is
    /// an integer outside `Int64`'s range.
    public mutating func readInteger(_ what: @autoclosure () -> String = "an integer") throws(CardTokenError) -> Int64? {
        let start = position
        let head = try readHead()
        switch head.major {
        case .unsignedInteger:
            return head.argument <= UInt64(Int64.max) ? Int64(head.argument) : nil
        case .negativeInteger:
            // -1 - n, which fits when n ≤ Int64.max.
            return head.argument <= UInt64(Int64.max) ? -1 - Int64(head.argument) : nil
        default:
            throw CardTokenError(.cborUnexpectedType, "\(what()) at offset \(start) is a \(head.major), not an integer")
        }
    }

    /// Reads a byte string and returns where its content lies in ``bytes``.
    public mutating func readByteString(_ what: @autoclosure () -> String = "a byte string") throws(CardTokenError) -> Range<Int> {
        let length = try readHead(expecting: .byteString, what())
        return try content(length: length, what())
    }

    /// Reads a text string, which must be valid UTF-8.
    public mutating func readTextString(_ what: @autoclosure () -> String = "a text string") throws(CardTokenError) -> String {
        let range = try readTextStringRange(what())
        return try text(in: range, what())
    }

    /// Reads a text string's head and returns where its (unvalidated) content lies.
    mutating func readTextStringRange(_ what: @autoclosure () -> String) throws(CardTokenError) -> Range<Int> {
        let length = try readHead(expecting: .textString, what())
        return try content(length: length, what())
    }

    /// Checks that `range` holds valid UTF-8 and returns it as a string.
    func text(in range: Range<Int>, _ what: @autoclosure () -> String) throws(CardTokenError) -> String {
        let text: String? = bytes.withUnsafeBufferPointer { buffer in
            let slice = UnsafeBufferPointer(rebasing: buffer[range])
            return UTF8Validation.isValid(slice) ? String(decoding: slice, as: UTF8.self) : nil
        }
        guard let text else {
            throw CardTokenError(.cborInvalidUTF8, "\(what()) at offset \(range.lowerBound) is not valid UTF-8")
        }
        return text
    }

    /// Reads an array head and returns its element count, which is at most
    /// the bytes left (every element takes at least one).
    public mutating func readArrayHeader(_ what: @autoclosure () -> String = "an array") throws(CardTokenError) -> Int {
        try elementCount(try readHead(expecting: .array, what()), what())
    }

    /// Reads a map head and returns its entry count, which is at most half
    /// the bytes left (every key and value takes at least one).
    public mutating func readMapHeader(_ what: @autoclosure () -> String = "a map") throws(CardTokenError) -> Int {
        try entryCount(try readHead(expecting: .map, what()), what())
    }

    /// Reads a tag number.
    public mutating func readTag(_ what: @autoclosure () -> String = "a tag") throws(CardTokenError) -> UInt64 {
        try readHead(expecting: .tag, what())
    }

    /// Checks an array head's count against the bytes left: every element takes at least one.
    func elementCount(_ count: UInt64, _ what: @autoclosure () -> String) throws(CardTokenError) -> Int {
        guard count <= UInt64(remaining) else {
            throw CardTokenError(.cborLengthTooLarge, "\(what()) claims \(count) elements but only \(remaining) bytes follow")
        }
        return Int(count)
    }

    /// Checks a map head's count against the bytes left: every key and value takes at least one.
    func entryCount(_ count: UInt64, _ what: @autoclosure () -> String) throws(CardTokenError) -> Int {
        guard count <= UInt64(remaining / 2) else {
            throw CardTokenError(.cborLengthTooLarge, "\(what()) claims \(count) entries but only \(remaining) bytes follow")
        }
        return Int(count)
    }

    /// Consumes the `length` content bytes of a string whose head was just read.
    mutating func content(length: UInt64, _ what: @autoclosure () -> String) throws(CardTokenError) -> Range<Int> {
        guard length <= UInt64(remaining) else {
            throw CardTokenError(.cborLengthTooLarge, "\(what()) claims \(length) bytes but only \(remaining) follow")
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    // MARK: - Whole items

    /// Reads past one complete, well-formed item, checking everything the
    /// typed reads check (including map key order and UTF-8), and returns
    /// the range of its encoding.
    @discardableResult
    public mutating func skipItem(depth: Int = 0) throws(CardTokenError) -> Range<Int> {
        let start = position
        guard depth < Self.maximumDepth else {
            throw CardTokenError(.cborNestingTooDeep, "items nest deeper than \(Self.maximumDepth) levels at offset \(start)")
        }
        let head = try readHead()
        switch head.major {
        case .unsignedInteger, .negativeInteger:
            break
        case .byteString:
            _ = try content(length: head.argument, "a byte string")
        case .textString:
            _ = try text(in: try content(length: head.argument, "a text string"), "a text string")
        case .array:
            let count = try elementCount(head.argument, "an array")
            for _ in 0..<count { try skipItem(depth: depth + 1) }
        case .map:
            let count = try entryCount(head.argument, "a map")
            var previousKey: Range<Int>? = nil
            for _ in 0..<count {
                previousKey = try readMapKey(after: previousKey, depth: depth + 1)
                try skipItem(depth: depth + 1)
            }
        case .tag:
            try skipItem(depth: depth + 1)
        case .simpleOrFloat:
            break // readHead already refused it
        }
        return start..<position
    }

    /// Reads a map key that is expected to be an integer, checking the
    /// deterministic order against `previous` as ``readMapKey(after:depth:)``
    /// does. Returns nil (having read past it) for any other key, or for an
    /// integer outside `Int64`.
    public mutating func readIntegerMapKey(after previous: inout Range<Int>?, depth: Int = 0) throws(CardTokenError) -> Int64? {
        let start = position
        let key: Int64?
        let range: Range<Int>
        switch nextMajorType {
        case .unsignedInteger, .negativeInteger:
            key = try readInteger()
            range = start..<position
            if let previous { try checkOrder(previous, range) }
        default:
            key = nil
            range = try readMapKey(after: previous, depth: depth)
        }
        previous = range
        return key
    }

    /// Reads past a map key and checks that its encoding sorts strictly after
    /// `previous`, the previous key's encoding: core deterministic order is
    /// bytewise lexicographic (RFC 8949 §4.2.1), and an equal key is a duplicate.
    public mutating func readMapKey(after previous: Range<Int>?, depth: Int = 0) throws(CardTokenError) -> Range<Int> {
        let key = try skipItem(depth: depth)
        if let previous { try checkOrder(previous, key) }
        return key
    }

    private func checkOrder(_ previous: Range<Int>, _ key: Range<Int>) throws(CardTokenError) {
        switch compareEncodings(previous, key) {
        case .orderedAscending:
            break
        case .orderedSame:
            throw CardTokenError(.cborDuplicateMapKey, "the map key at offset \(key.lowerBound) repeats an earlier key")
        case .orderedDescending:
            throw CardTokenError(.cborUnsortedMapKeys, "the map key at offset \(key.lowerBound) sorts before the key ahead of it")
        }
    }

    private enum Ordering { case orderedAscending, orderedSame, orderedDescending }

    private func compareEncodings(_ a: Range<Int>, _ b: Range<Int>) -> Ordering {
        var i = a.lowerBound, j = b.lowerBound
        while i < a.upperBound && j < b.upperBound {
            if bytes[i] != bytes[j] { return bytes[i] < bytes[j] ? .orderedAscending : .orderedDescending }
            i += 1; j += 1
        }
        if a.count == b.count { return .orderedSame }
        return a.count < b.count ? .orderedAscending : .orderedDescending
    }
}

@inline(__always)
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}
