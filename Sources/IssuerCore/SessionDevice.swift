import IssuerStore

/// How a session's browser is kept for the sessions list: the
/// `User-Agent` header as sent, without control or formatting characters,
/// whitespace runs made one space, cut to what the column holds. It is
/// shown back to the holder only (escaped by the pages), never logged.
package enum SessionDevice {
    package static func userAgent(_ header: String?) -> String? {
        guard let header else { return nil }
        var kept = ""
        var lastWasSpace = true
        for scalar in header.unicodeScalars.prefix(4_096) {
            let category = scalar.properties.generalCategory
            if category == .control || category == .format || category == .lineSeparator || category == .paragraphSeparator {
                continue
            }
            if scalar.properties.isWhitespace {
                if !lastWasSpace { kept.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                kept.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        // Both databases' length() counts code points, so the cut does too (not grapheme clusters).
        var cut = String.UnicodeScalarView(kept.unicodeScalars.prefix(HolderSessionRecord.userAgentLength))
        while cut.last == " " { cut.removeLast() }
        return cut.isEmpty ? nil : String(cut)
    }
}
