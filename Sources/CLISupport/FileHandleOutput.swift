import Foundation

/// Unbuffered writes to standard output and error.
public struct FileHandleOutput: Sendable {
    let handle: FileHandle

    public static let standardOutput = FileHandleOutput(handle: .standardOutput)
    public static let standardError = FileHandleOutput(handle: .standardError)

    public func write(_ text: String) {
        handle.write(Data(text.utf8))
    }

    public func write(_ data: Data) {
        handle.write(data)
    }
}

/// Pretty, stable JSON as the CLI writes key files and JWKs, newline-terminated.
public func prettyJSON(_ value: some Encodable) -> Data? {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)).map { $0 + Data("\n".utf8) }
}
