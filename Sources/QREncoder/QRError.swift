/// The one error type of the `QREncoder` module.
public struct QRError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The data does not fit the largest allowed version.
        case dataTooLong
        /// A segment's text has a character its mode cannot encode.
        case invalidCharacter
        /// A version, mask or range outside what the standard defines.
        case invalidParameter
    }

    public let code: Code
    public let message: String
    /// For ``Code/dataTooLong``: the bits the data needs and the bits the
    /// largest allowed version holds at the requested error correction.
    public let dataBits: Int?
    public let capacityBits: Int?

    init(_ code: Code, _ message: String, dataBits: Int? = nil, capacityBits: Int? = nil) {
        self.code = code
        self.message = message
        self.dataBits = dataBits
        self.capacityBits = capacityBits
    }

    public var description: String { message }
}

extension QRError: Equatable {
    public static func == (lhs: QRError, rhs: QRError) -> Bool { lhs.code == rhs.code }
}
