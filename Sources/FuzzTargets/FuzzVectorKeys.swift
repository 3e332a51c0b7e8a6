import AccountRules
import CardKeys
import CardToken
import Crypto

/// Public test keys from the shared AC1 vectors (../shared/vectors/ac1:
/// `ed-active`, `hmac256` and the key-set root), so that fuzzed tokens
/// and key sets derived from the vectors reach the signature and claim
/// checks. Test material only, never a deployment's.
enum FuzzVectorKeys {
    /// Inside every vector key's signing window.
    static let now: Int64 = 1_764_061_230
    static let keySetNow: Int64 = 1_764_061_200

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    static let tokenVerifier: TokenVerifier = {
        let edActive = try! TrustedKey(ed25519PublicKey: bytes("2641773e85406fa00119a0eb694478944952691f5ff91bdec7e2ddb207d5ae07"),
                                       signingWindow: SigningWindow(notBefore: 1_761_469_200, expires: 1_771_837_200))
        let hmac = try! TrustedKey(id: KeyID(bytes: bytes("3e1654e9a4299130")), algorithm: .hmac256,
                                   hmacSecret: bytes("0e1c88faa85eb44a5c53affc125c588101ed0710c9704bd996806038390d9589"),
                                   signingWindow: SigningWindow(notBefore: 1_761_469_200, expires: 1_771_837_200))
        return TokenVerifier(keys: try! TrustedKeySet(keys: [edActive, hmac]))
    }()

    static let keySetVerifier = KeySetVerifier(pinnedRoots: [try! RootPublicKey(rawRepresentation: bytes("9903a8820b95e92969c3cb4140ed677cb62a70c16dd324aef0a9ff8c3db30a18"))])

    static let humanCheckKey = SymmetricKey(data: bytes("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"))
}
