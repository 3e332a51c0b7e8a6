extension VerdictReport {
    /// The report as JSON with sorted keys, byte for byte what `JSONEncoder`
    /// with `.sortedKeys` and `.withoutEscapingSlashes` writes, without its
    /// cost: the daemons answer one of these per scan.
    public func sortedJSON() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(UInt8(ascii: "{"))
        var first = true
        func key(_ name: StaticString) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func string(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            Self.appendQuoted(value, to: &out)
        }
        func number(_ name: StaticString, _ value: (some BinaryInteger)?) {
            guard let value else { return }
            key(name)
            out.append(contentsOf: String(value).utf8)
        }
        // Keys in sorted order (as `.sortedKeys` orders the CodingKeys' strings).
        string("alg", alg)
        string("card_number", cardNumber)
        string("clock_warning", clockWarning)
        string("detail", detail)
        number("expires_at", expiresAt)
        number("first_seen_at", firstSeenAt)
        string("holder_name", holderName)
        number("issued_at", issuedAt)
        number("keyset_age_seconds", keysetAgeSeconds)
        number("keyset_seq", keysetSeq)
        string("kid", kid)
        string("message", message)
        string("reason", reason)
        number("seconds_left", secondsLeft)
        if let seenBefore {
            key("seen_before")
            out.append(contentsOf: (seenBefore ? "true" : "false").utf8)
        }
        string("token_id", tokenID)
        string("valid_through", validThrough)
        string("verdict", verdict)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A JSON string (RFC 8259 §7): quote, backslash and control
    /// characters escaped, everything else as UTF-8.
    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
