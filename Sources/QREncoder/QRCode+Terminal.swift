extension QRCode {
    /// The symbol drawn with UTF-8 half blocks, two module rows per line,
    /// with a four-module quiet zone. By default it sets black on white with
    /// ANSI colours, so it reads the same on light and dark terminals;
    /// without colours, `invert` suits a terminal with light text on dark.
    public func terminal(colors: Bool = true, invert: Bool = false) -> String {
        let zone = Self.quietZone
        let first = -zone, last = size + zone
        func dark(_ x: Int, _ y: Int) -> Bool { isDark(x: x, y: y) != invert }
        var lines: [String] = []
        var y = first
        while y < last {
            var line = colors ? "\u{1B}[30;107m" : ""
            for x in first..<last {
                let top = dark(x, y), bottom = y + 1 < last && dark(x, y + 1)
                line += top ? (bottom ? "█" : "▀") : (bottom ? "▄" : " ")
            }
            lines.append(line + (colors ? "\u{1B}[0m" : ""))
            y += 2
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
