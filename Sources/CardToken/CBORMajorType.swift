/// The eight CBOR major types (RFC 8949 §3.1).
public enum CBORMajorType: UInt8, Sendable {
    case unsignedInteger = 0
    case negativeInteger = 1
    case byteString = 2
    case textString = 3
    case array = 4
    case map = 5
    case tag = 6
    case simpleOrFloat = 7
}
