import CQREncode
import CardToken
import Foundation
import QREncoder

/// QR encodes per second for an AC1 token's text at ECC M with automatic
/// version and mask, against libqrencode on the same text in the same run
/// (issue #3). Both take the text and return the finished module matrix.
enum QRBenchmark {
    static func run() -> String {
        let card = CardDetails(number: try! CardNumber("A000001234"), holderName: try! HolderName("林○明"),
                               validThrough: try! CardDate(iso8601: "2027-12-31"))
        var generator = SystemRandomNumberGenerator()
        let text = try! TokenIssuer().issue(card: card, key: SigningKey.generate(.edDSA), now: 1_764_061_200, using: &generator).text

        let ours = try! QRCode.encode(text: text, errorCorrection: .medium)
        let theirs = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)!
        let peerVersion = theirs.pointee.version
        QRcode_free(theirs)

        let comparison = Comparison.run(
            "QREncoder encode (text → matrix)", { (try? QRCode.encode(text: text, errorCorrection: .medium)) != nil },
            against: "libqrencode 4 QRcode_encodeString", {
                guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return false }
                QRcode_free(code)
                return true
            }
        )
        let png = Measurement.once("QREncoder encode + PNG, 4 px/module", seconds: 2) {
            (try? QRCode.encode(text: text, errorCorrection: .medium).png(moduleSize: 4)) != nil
        }
        let svg = Measurement.once("QREncoder encode + SVG", seconds: 2) {
            !QRCode.encode(textOrEmpty: text).isEmpty
        }
        var lines = ["== QR encode (one core): \(text.utf8.count)-character AC1 text at ECC M, automatic version and mask; ours version \(ours.version), libqrencode version \(peerVersion)"]
        lines += comparison.lines(target: "target ≥ 100%")
        lines += [png.line, svg.line]
        return lines.joined(separator: "\n") + "\n"
    }
}

extension QRCode {
    /// The SVG of `text`, or "" if it does not fit.
    fileprivate static func encode(textOrEmpty text: String) -> String {
        (try? encode(text: text, errorCorrection: .medium).svg()) ?? ""
    }
}

extension QRBenchmark {
    /// Encodes in a loop for `perf record`.
    static func profile() {
        let text = "AC1:" + String(repeating: "RRQT 9P60GO0GMP4.HN 7KAOL$FO09:RQ:PE2E3", count: 6).prefix(215)
        var count = 0
        for _ in 0..<4000 where (try? QRCode.encode(text: text, errorCorrection: .medium)) != nil { count += 1 }
        print(count)
    }
}
