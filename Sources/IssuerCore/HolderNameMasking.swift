/// The issuer's masking policy for the name printed in a token (and shown
/// to cashiers): enough to match a face, not enough to identify a stranger.
///
/// - Names without spaces (Chinese, Japanese, Korean names): the first and
///   last characters stay, the ones between become `○`: 林小明 → 林○明,
///   歐陽小明 → 歐○○明; two characters keep the first: 林明 → 林○.
/// - Names with spaces (Latin script): the first word becomes its initial,
///   the last word stays: `Alice Mei Chen` → `A. M. Chen`.
///
/// The result is cut to 64 UTF-8 bytes, the token's limit.
public enum HolderNameMasking {
    public static func mask(_ name: String) -> String {
        let trimmed = name.split(whereSeparator: \.isWhitespace)
        let masked: String
        if trimmed.count > 1 {
            let initials = trimmed.dropLast().map { word in word.first.map { "\($0)." } ?? "" }
            masked = (initials + [String(trimmed.last!)]).joined(separator: " ")
        } else {
            let characters = Array(trimmed.first.map(String.init) ?? "")
            switch characters.count {
            case 0: masked = "○"
            case 1: masked = String(characters)
            case 2: masked = "\(characters[0])○"
            default: masked = "\(characters[0])\(String(repeating: "○", count: characters.count - 2))\(characters[characters.count - 1])"
            }
        }
        return truncate(masked, toUTF8Bytes: 64)
    }

    private static func truncate(_ text: String, toUTF8Bytes limit: Int) -> String {
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > limit { break }
            result.append(character)
            used += size
        }
        return result
    }
}
