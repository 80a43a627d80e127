import GossipReport

/// Text made safe for HTML and for SVG inside it. Everything a report shows that came from a
/// log or a JSON file goes through `escape`: logs can hold any bytes a peer was sent.
public enum Markup {
    /// `<`, `>`, `&`, both quotes as character references; control characters (C0, DEL, C1)
    /// as their visible Unicode pictures (`␀`…`␟`, `␡`) or `�`, so nothing in the text can
    /// open a tag, end an attribute, or hide itself.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                let value = scalar.value
                if value < 0x20 {
                    out.unicodeScalars.append(Unicode.Scalar(0x2400 + value)!)
                } else if value == 0x7F {
                    out += "\u{2421}"
                } else if (0x80...0x9F).contains(value) || value == 0xFFFE || value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A coordinate or length: one decimal at most, never an exponent, `-0` as `0`.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let text = DecimalText.fixed(value, 1)
        if text.hasSuffix(".0") { return text == "-0.0" ? "0" : String(text.dropLast(2)) }
        return text
    }
}

/// Okabe and Ito's eight colours, distinguishable with the common colour-vision deficiencies
/// (yellow left out: too pale on white), for series in the order they are listed.
enum Palette {
    static let colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7F7F7F", "#000000"]
    static func colour(_ index: Int) -> String { colours[index % colours.count] }
    static let dead = "#D55E00"
    static let left = "#E69F00"
    static let live = "#0072B2"
}
