/// Strict UTF-8 validation (RFC 3629 §4): no overlong forms, no surrogates,
/// nothing above U+10FFFF. The standard library's validating initialiser is
/// generic and unspecialised on this path, and claims are short, so a direct
/// check keeps verification cheap.
enum UTF8Validation {
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int
            var lowest: UInt8 = 0x80, highest: UInt8 = 0xBF // range of the second byte
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lowest = 0xA0             // no overlong three-byte forms
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; highest = 0x9F            // no surrogates
            case 0xF0: length = 4; lowest = 0x90             // no overlong four-byte forms
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; highest = 0x8F            // nothing above U+10FFFF
            default: return false
            }
            guard index + length <= count, (lowest...highest).contains(bytes[index + 1]) else { return false }
            for offset in 2..<max(2, length) where bytes[index + offset] & 0xC0 != 0x80 { return false }
            index += length
        }
        return true
    }
}
