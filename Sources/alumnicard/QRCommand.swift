import ArgumentParser
import CLISupport
import Foundation
import QREncoder
import SecureFiles

/// `alumnicard qr`: draws text (usually an AC1 token) as a QR Code.
struct QRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr",
        abstract: "Draw text as a QR Code: in the terminal, or as an SVG or PNG file.",
        discussion: """
            With no TEXT (or with -), the text is read from standard input and one trailing \
            newline is dropped, so `alumnicard token issue … | alumnicard qr` works. The \
            format defaults to the --out file's extension, else to the terminal.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case svg, png, term
    }

    /// Standard input is read up to this many bytes: more than the largest
    /// symbol holds (7089 digits), so anything longer cannot be drawn anyway.
    static let inputLimit = 8192

    @Argument(help: "The text to encode. Omit it, or give -, to read standard input.")
    var text: String?

    @Option(help: "Error correction: L (7%), M (15%), Q (25%) or H (30%).")
    var ecc: String = "M"

    @Option(help: "Output format: svg, png or term (default: from --out's extension, else term).")
    var format: Format?

    @Option(help: "Pixels per module for svg and png (1–64).")
    var scale: Int = 8

    @Option(help: "Write to this file instead of standard output. An existing file is replaced.")
    var out: String?

    @Option(help: "Use exactly this version (1–40) instead of the smallest that fits.")
    var version: Int?

    @Option(help: "Use this mask (0–7) instead of the one with the lowest penalty.")
    var mask: Int?

    @Flag(help: "Raise the error correction as far as the chosen version allows.")
    var boostEcc = false

    @Flag(help: "Print the symbol's version, error correction, mask and size to standard error.")
    var info = false

    @Flag(help: "For term: light modules drawn dark, without colours (for a light-on-dark terminal that ignores colours).")
    var invert = false

    func validate() throws {
        guard QRErrorCorrection(letter: ecc) != nil else { throw ValidationError("--ecc must be L, M, Q or H, not \(ecc)") }
        guard (1...64).contains(scale) else { throw ValidationError("--scale must be 1 to 64 pixels per module, not \(scale)") }
        if let version, !(1...40).contains(version) { throw ValidationError("--version must be 1 to 40, not \(version)") }
        if let mask, !(0...7).contains(mask) { throw ValidationError("--mask must be 0 to 7, not \(mask)") }
    }

    func run() throws {
        let content = try text.flatMap { $0 == "-" ? nil : $0 } ?? readStandardInput()
        var options = QREncodingOptions(boostErrorCorrection: boostEcc)
        if let version { options.versions = version...version }
        if let mask { options.mask = QRMask.all[mask] }
        let code: QRCode
        do {
            code = try QRCode.encode(text: content, errorCorrection: QRErrorCorrection(letter: ecc)!, options: options)
        } catch {
            throw CommandFailure.failed(error.message)
        }

        if info {
            printError("version \(code.version), error correction \(code.errorCorrection), mask \(code.mask), \(code.size)×\(code.size) modules, \(content.utf8.count) bytes of text")
        }
        let chosen = format ?? out.flatMap { Format(rawValue: URL(fileURLWithPath: $0).pathExtension.lowercased()) } ?? .term
        let output: Data
        switch chosen {
        case .svg: output = Data(code.svg(moduleSize: scale).utf8)
        case .png: output = try Data(code.png(moduleSize: scale))
        case .term: output = Data(code.terminal(colors: !invert, invert: invert).utf8)
        }
        guard let out else {
            if chosen == .png && isatty(STDOUT_FILENO) == 1 {
                throw CommandFailure.usage("refusing to write a PNG to the terminal; give --out FILE or redirect standard output")
            }
            FileHandleOutput.standardOutput.write(output)
            return
        }
        do {
            try SecureFile.write(output, to: out, mode: 0o644, replacing: true)
        } catch {
            throw CommandFailure.failed(error.message)
        }
    }

    private func readStandardInput() throws -> String {
        var data = Data()
        while data.count <= Self.inputLimit {
            let chunk = FileHandle.standardInput.readData(ofLength: Self.inputLimit + 1 - data.count)
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        guard data.count <= Self.inputLimit else {
            throw CommandFailure.usage("standard input is longer than \(Self.inputLimit) bytes, more than any QR Code holds")
        }
        guard var string = String(data: data, encoding: .utf8) else {
            throw CommandFailure.usage("standard input is not UTF-8 text")
        }
        // "\r\n" is one Character in Swift, so this drops either ending.
        if string.hasSuffix("\n") || string.hasSuffix("\r\n") { string.removeLast() }
        return string
    }
}
