/// The one way text from outside is written where people and line readers see it: in the
/// log file, on the console, and quoted in `Error:` answers (docs/PROTOCOL.md, "Logs").
///
/// Printable ASCII (0x20-0x7E) stands for itself, except the backslash, written `\\`. A tab,
/// line feed and carriage return are `\t`, `\n` and `\r`. Every other Unicode scalar (the other
/// control characters, DEL, and everything beyond ASCII) is `\u{` its hexadecimal value `}`,
/// as in a Swift string literal: ESC is `\u{1b}`, `é` is `\u{e9}`, the right-to-left override
/// `\u{202e}`. (Lines that are not UTF-8 never become text: they are refused by their length.)
///
/// So escaped text is printable ASCII only: one line, shown by a terminal as it is (no escape
/// sequence, no carriage return that would let a sender draw a line of its own over the log),
/// never split by a reader, and it reads back exactly as the original (a Swift string literal of
/// it is the text). A log line holding it cannot be forged from the wire.
public enum VisibleText {
    /// `text` escaped, at most `limit` scalars of it (then `...`).
    public static func escaped(_ text: Substring, limit: Int = .max) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { return result + "..." }
            append(scalar, to: &result)
            count += 1
        }
        return result
    }

    /// `text` escaped, whole.
    public static func escaped(_ text: String) -> String { escaped(text[...]) }

    /// Whether a scalar stands for itself (printable ASCII other than the backslash).
    @inline(__always)
    static func isPlain(_ value: UInt32) -> Bool { value >= 0x20 && value < 0x7F && value != 0x5C }

    /// Appends one scalar, escaped.
    static func append(_ scalar: Unicode.Scalar, to result: inout String) {
        switch scalar.value {
        case let value where isPlain(value): result.unicodeScalars.append(scalar)
        case 0x5C: result += "\\\\"
        case 0x09: result += "\\t"
        case 0x0A: result += "\\n"
        case 0x0D: result += "\\r"
        default: result += "\\u{" + String(scalar.value, radix: 16) + "}"
        }
    }

    /// Appends `text` to a log line with every scalar outside printable ASCII escaped as above,
    /// but backslashes left as they are: the log's last line of defence, for lines built from
    /// the node's own words (printable ASCII already) and excerpts escaped by `escaped` (whose
    /// backslashes must not be doubled again). Whatever slipped through unescaped still ends
    /// up visible and on one line.
    public static func appendPrintable(_ text: String, to bytes: inout [UInt8]) {
        var utf8 = text.utf8
        if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            bytes.append(contentsOf: utf8)
            return
        }
        var escaped = ""
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F {
                escaped.unicodeScalars.append(scalar)
            } else {
                append(scalar, to: &escaped)
            }
        }
        utf8 = escaped.utf8
        bytes.append(contentsOf: utf8)
    }

    /// `text` as `appendPrintable` writes it.
    public static func printable(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendPrintable(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension VisibleText {
    /// The text that `escaped` wrote as `text`, or nil when `text` is not exactly what
    /// `escaped` writes for some text (a byte outside printable ASCII, an unknown escape, a
    /// `\u{...}` that is not a scalar, or one `escaped` would not use: `\u{41}`, `\u{A}`,
    /// `\u{0a}`). So every text has one escaped spelling, and it reads back exactly.
    public static func unescaped(_ text: Substring) -> String? {
        var result = ""
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar.value >= 0x20 && scalar.value < 0x7F else { return nil }
            guard scalar == "\\" else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalars.next() {
            case "\\": result += "\\"
            case "t": result += "\t"
            case "n": result += "\n"
            case "r": result += "\r"
            case "u":
                guard scalars.next() == "{" else { return nil }
                var digits = ""
                while true {
                    guard let digit = scalars.next() else { return nil }  // No closing brace.
                    if digit == "}" { break }
                    guard digits.unicodeScalars.count < 6 else { return nil }
                    digits.unicodeScalars.append(digit)
                }
                guard let value = UInt32(digits, radix: 16), let decoded = Unicode.Scalar(value),
                    String(value, radix: 16) == digits, !isPlain(value), ![0x5C, 0x09, 0x0A, 0x0D].contains(value)
                else { return nil }
                result.unicodeScalars.append(decoded)
            default: return nil
            }
        }
        return result
    }
}
