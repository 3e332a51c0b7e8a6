/// A submitted `application/x-www-form-urlencoded` form, read strictly:
/// bounded in size and field count, each name once, valid percent-escapes
/// and UTF-8 only. (WHATWG URL, "application/x-www-form-urlencoded parsing",
/// where `+` is a space.)
public struct FormFields: Sendable, Equatable {
    public let values: [String: String]

    public static let maximumFields = 64

    public subscript(name: String) -> String? { values[name] }

    /// The field's value, nil when it is absent or empty (an unsolved human check, an empty optional code).
    public func nonEmpty(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    public init(values: [String: String]) { self.values = values }

    public init(parsing bytes: some Collection<UInt8>) throws(FormError) {
        // One copy into an array, so that the reading below is specialised
        // for it rather than generic over the caller's collection (a profile
        // of `?token=` found the generic reading costlier than the rest of it).
        try self.init(parsing: Array(bytes))
    }

    public init(parsing bytes: [UInt8]) throws(FormError) {
        var values: [String: String] = [:]
        guard !bytes.isEmpty else { self.values = [:]; return }
        let pairs = bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true)
        guard pairs.count <= Self.maximumFields else { throw FormError("the form has more than \(Self.maximumFields) fields") }
        for pair in pairs {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            guard !name.isEmpty else { throw FormError("a form field has no name") }
            guard values[name] == nil else { throw FormError("the field \(name.prefix(32)) is sent twice") }
            values[name] = value
        }
        self.values = values
    }

    static func decode(_ bytes: ArraySlice<UInt8>) throws(FormError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                let high = bytes.index(after: index)
                guard high != bytes.endIndex, bytes.index(after: high) != bytes.endIndex,
                      let h = hexValue(bytes[high]), let l = hexValue(bytes[bytes.index(after: high)]) else {
                    throw FormError("a form field holds a broken %-escape")
                }
                out.append(h << 4 | l)
                index = bytes.index(after: high)
            } else {
                out.append(byte)
            }
            index = bytes.index(after: index)
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw FormError("a form field is not UTF-8 text") }
        return text
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A form that cannot be read; the page says so and keeps nothing.
public struct FormError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
