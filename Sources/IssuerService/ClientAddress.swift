import Foundation
import HTTPTypes
import Hummingbird

/// Who a request comes from, for per-client limits: the socket peer, or,
/// when the peer is a trusted proxy, the right-most `X-Forwarded-For`
/// entry that is not itself a trusted proxy (entries further left were
/// written by the client and prove nothing). IPv6 clients are counted by
/// their /64, which one subscriber usually holds whole.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [IPNetwork]

    public init(trustedProxies: [IPNetwork]) { self.trustedProxies = trustedProxies }

    /// The client's address as the limits count it.
    public func client(peer: String?, forwardedFor: [String]) -> String {
        guard let peer else { return "unknown" }
        var client = peer
        if isTrusted(peer) {
            // Header lines in order, each a comma-separated list; read from the right.
            let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            for hop in hops.reversed().prefix(32) {
                guard IPAddress(hop) != nil else { break }
                client = hop
                if !isTrusted(hop) { break }
            }
        }
        return Self.bucket(client)
    }

    func isTrusted(_ address: String) -> Bool {
        guard let parsed = IPAddress(address) else { return false }
        return trustedProxies.contains { $0.contains(parsed) }
    }

    /// IPv4 as it is; IPv6 as its /64 prefix ("2001:db8:1:2::/64").
    public static func bucket(_ address: String) -> String {
        guard let parsed = IPAddress(address) else { return address }
        switch parsed {
        case .v4: return parsed.description
        case .v6(let bytes):
            return IPAddress.hexGroups(bytes.prefix(8)) + "::/64"
        }
    }
}

/// An IPv4 or IPv6 address, parsed with `inet_pton`.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4([UInt8])
    case v6([UInt8])

    public init?(_ text: String) {
        guard text.utf8.count <= 64 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self = .v4(withUnsafeBytes(of: &v4) { Array($0) })
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 address.
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                self = .v4(Array(bytes[12..<16]))
            } else {
                self = .v6(bytes)
            }
            return
        }
        return nil
    }

    var bytes: [UInt8] {
        switch self {
        case .v4(let bytes), .v6(let bytes): bytes
        }
    }

    public var description: String {
        switch self {
        case .v4(let bytes): return bytes.map(String.init).joined(separator: ".")
        case .v6(let bytes):
            return Self.hexGroups(bytes[...])
        }
    }

    /// Bytes as colon-separated 16-bit hexadecimal groups (not shortened with `::`).
    static func hexGroups(_ bytes: ArraySlice<UInt8>) -> String {
        stride(from: bytes.startIndex, to: bytes.endIndex, by: 2)
            .map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }
}

/// An address block such as `10.0.0.0/8`, `::1/128` or a single address.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let address = IPAddress(first) else { return nil }
        let width = address.bytes.count * 8
        let length: Int
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...width).contains(value) else { return nil }
            length = value
        } else {
            length = width
        }
        self.address = address
        prefixLength = length
    }

    public func contains(_ other: IPAddress) -> Bool {
        let mine = address.bytes, theirs = other.bytes
        guard mine.count == theirs.count else { return false }
        var bits = prefixLength
        for index in mine.indices where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if mine[index] & mask != theirs[index] & mask { return false }
            bits -= 8
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

extension ClientAddressResolver {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The client a request comes from, as the login limits count it.
    func client(of request: Request, context: IssuerRequestContext) -> String {
        client(peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[values: Self.forwardedFor])
    }
}
