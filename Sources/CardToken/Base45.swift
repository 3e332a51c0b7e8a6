/// Base45 as RFC 9285 defines it: two bytes become three characters of the
/// QR alphanumeric alphabet, so a QR code can carry binary data in its dense
/// alphanumeric mode.
public enum Base45 {
    /// The 45 characters, in value order (RFC 9285 §4).
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)

    /// Character value by ASCII code; -1 for bytes outside the alphabet.
    static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = Int8(value)
        }
        return table
    }()

    /// Encodes bytes (RFC 9285 §4.1).
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output = [UInt8]()
        output.reserveCapacity(encodedLength(byteCount: bytes.count))
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            if let second = iterator.next() {
                // n = c + 45·d + 45²·e
                let n = Int(first) << 8 | Int(second)
                output.append(alphabet[n % 45])
                output.append(alphabet[(n / 45) % 45])
                output.append(alphabet[n / 2025])
            } else {
                let n = Int(first)
                output.append(alphabet[n % 45])
                output.append(alphabet[n / 45])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The number of characters `byteCount` bytes encode to.
    public static func encodedLength(byteCount: Int) -> Int {
        byteCount / 2 * 3 + byteCount % 2 * 2
    }

    /// Decodes Base45 text, rejecting everything RFC 9285 §4.2 calls invalid:
    /// characters outside the alphabet, a lone final character, triples above
    /// 65535 and final pairs above 255.
    public static func decode(_ text: some StringProtocol) throws(CardTokenError) -> [UInt8] {
        var text = String(text)
        return try text.withUTF8 { utf8 in Result { () throws(CardTokenError) in try decode(utf8: utf8) } }.get()
    }

    /// Decodes Base45 given as its UTF-8 (ASCII) bytes.
    public static func decode(utf8 text: UnsafeBufferPointer<UInt8>) throws(CardTokenError) -> [UInt8] {
        let count = text.count
        if count % 3 == 1 {
            throw CardTokenError(
                .base45DanglingCharacter,
                "Base45 text of \(count) characters leaves one character over at the end; valid Base45 has a length of 0 or 2 modulo 3"
            )
        }
        let fullGroups = count / 3
        let outputCount = fullGroups * 2 + (count % 3 == 2 ? 1 : 0)
        return try values.withUnsafeBufferPointer { table throws(CardTokenError) -> [UInt8] in
            try [UInt8](unsafeUninitializedCapacity: outputCount) { output, initialized throws(CardTokenError) in
                for group in 0..<fullGroups {
                    let position = group * 3
                    let n = try value(text[position], at: position, table)
                        + (try value(text[position + 1], at: position + 1, table)) * 45
                        + (try value(text[position + 2], at: position + 2, table)) * 2025
                    guard n <= 0xFFFF else {
                        throw CardTokenError(.base45ValueOutOfRange, "Base45 characters \(position)–\(position + 2) decode to \(n), above 65535")
                    }
                    output[group * 2] = UInt8(n >> 8)
                    output[group * 2 + 1] = UInt8(n & 0xFF)
                    initialized = group * 2 + 2
                }
                if count % 3 == 2 {
                    let position = fullGroups * 3
                    let n = try value(text[position], at: position, table) + (try value(text[position + 1], at: position + 1, table)) * 45
                    guard n <= 0xFF else {
                        throw CardTokenError(.base45ValueOutOfRange, "the final Base45 pair at \(position) decodes to \(n), above 255")
                    }
                    output[fullGroups * 2] = UInt8(n)
                }
                initialized = outputCount
            }
        }
    }

    @inline(__always)
    private static func value(_ character: UInt8, at position: Int, _ table: UnsafeBufferPointer<Int8>) throws(CardTokenError) -> Int {
        let value = table[Int(character)]
        guard value >= 0 else { throw invalidCharacter(character, at: position) }
        return Int(value)
    }

    private static func invalidCharacter(_ character: UInt8, at position: Int) -> CardTokenError {
        let shown = character >= 0x20 && character < 0x7F
            ? "'\(Character(Unicode.Scalar(character)))'" : "byte 0x\(String(character, radix: 16))"
        return CardTokenError(
            .base45InvalidCharacter,
            "\(shown) at position \(position) is not in the Base45 alphabet (0-9, A-Z, space, $%*+-./:)"
        )
    }
}
