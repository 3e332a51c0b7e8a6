/// A decoded CBOR item of the subset AC1 uses, for callers that want a tree
/// rather than the streaming ``CBORReader`` (tests, tools, unknown card entries).
public indirect enum CBORValue: Hashable, Sendable {
    /// Major type 0.
    case unsigned(UInt64)
    /// Major type 1: the value is `-1 - n` for the stored `n`, so the whole
    /// range down to -2⁶⁴ fits.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBORValue])
    /// Entries in the order they were decoded or given; encoding sorts them.
    case map([CBORMapEntry])
    case tagged(UInt64, CBORValue)

    /// An integer value from a Swift integer.
    public static func integer(_ value: Int64) -> CBORValue {
        value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-1 - value))
    }

    /// Decodes exactly one item that fills `bytes`, strictly (see ``CBORReader``).
    public init(decoding bytes: [UInt8]) throws(CardTokenError) {
        var reader = CBORReader(bytes)
        self = try CBORValue(reading: &reader, depth: 0)
        try reader.expectEnd("the top-level item")
    }

    /// Decodes one item from `reader`.
    public init(reading reader: inout CBORReader, depth: Int = 0) throws(CardTokenError) {
        guard depth < CBORReader.maximumDepth else {
            throw CardTokenError(.cborNestingTooDeep, "items nest deeper than \(CBORReader.maximumDepth) levels at offset \(reader.position)")
        }
        let head = try reader.readHead()
        switch head.major {
        case .unsignedInteger:
            self = .unsigned(head.argument)
        case .negativeInteger:
            self = .negative(head.argument)
        case .byteString:
            self = .bytes(Array(reader.bytes[try reader.content(length: head.argument, "a byte string")]))
        case .textString:
            self = .text(try reader.text(in: try reader.content(length: head.argument, "a text string"), "a text string"))
        case .array:
            let count = try reader.elementCount(head.argument, "an array")
            var elements = [CBORValue]()
            elements.reserveCapacity(count)
            for _ in 0..<count {
                elements.append(try CBORValue(reading: &reader, depth: depth + 1))
            }
            self = .array(elements)
        case .map:
            let count = try reader.entryCount(head.argument, "a map")
            var entries = [CBORMapEntry]()
            entries.reserveCapacity(count)
            var previousKey: Range<Int>? = nil
            for _ in 0..<count {
                let keyRange = try reader.readMapKey(after: previousKey, depth: depth + 1)
                previousKey = keyRange
                var keyReader = CBORReader(reader.bytes, range: keyRange)
                let key = try CBORValue(reading: &keyReader, depth: depth + 1)
                let value = try CBORValue(reading: &reader, depth: depth + 1)
                entries.append(CBORMapEntry(key: key, value: value))
            }
            self = .map(entries)
        case .tag:
            self = .tagged(head.argument, try CBORValue(reading: &reader, depth: depth + 1))
        case .simpleOrFloat:
            throw CardTokenError(.cborUnsupportedType, "unreachable: the reader refuses major type 7")
        }
    }

    /// The core deterministic encoding of this value: map entries sorted by
    /// their encoded keys. Throws if a map holds the same key twice.
    public func encoded() throws(CardTokenError) -> [UInt8] {
        var writer = CBORWriter()
        try encode(into: &writer)
        return writer.bytes
    }

    /// Appends the core deterministic encoding of this value to `writer`.
    public func encode(into writer: inout CBORWriter) throws(CardTokenError) {
        switch self {
        case .unsigned(let n):
            writer.writeHead(.unsignedInteger, n)
        case .negative(let n):
            writer.writeHead(.negativeInteger, n)
        case .bytes(let bytes):
            writer.writeByteString(bytes)
        case .text(let text):
            writer.writeTextString(text)
        case .array(let elements):
            writer.writeArrayHeader(count: elements.count)
            for element in elements { try element.encode(into: &writer) }
        case .map(let entries):
            var encodedEntries = [(key: [UInt8], value: [UInt8])]()
            encodedEntries.reserveCapacity(entries.count)
            for entry in entries {
                encodedEntries.append((try entry.key.encoded(), try entry.value.encoded()))
            }
            encodedEntries.sort { $0.key.lexicographicallyPrecedes($1.key) }
            for (a, b) in zip(encodedEntries, encodedEntries.dropFirst()) where a.key == b.key {
                throw CardTokenError(.cborDuplicateMapKey, "a map to encode holds the key \(Array(b.key)) twice")
            }
            writer.writeMapHeader(count: encodedEntries.count)
            for entry in encodedEntries {
                writer.writeEncoded(entry.key)
                writer.writeEncoded(entry.value)
            }
        case .tagged(let tag, let value):
            writer.writeTag(tag)
            try value.encode(into: &writer)
        }
    }
}

/// One key/value pair of a ``CBORValue/map(_:)``.
public struct CBORMapEntry: Hashable, Sendable {
    public var key: CBORValue
    public var value: CBORValue

    public init(key: CBORValue, value: CBORValue) {
        self.key = key
        self.value = value
    }
}
