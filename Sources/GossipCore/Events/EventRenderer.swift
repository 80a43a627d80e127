/// The one writer of log lines: an event as a human line or a JSON line (docs/LOGS.md).
///
/// Human: `2026-11-22 07:41:09.123456 INFO  Received 1763797269123:127.0.0.1:6002:3 from
/// 127.0.0.1:6002; forwarded to 3` -- the local time (microseconds), the level in a
/// five-character column, on the console the node's address in brackets, then the kind's
/// sentence (`EventKind`). JSON: `{"time":...,"level":...,"node":...,"event":...}` then the
/// kind's fields by name. Both are printable ASCII on one line whatever the event holds: text
/// is escaped, and `EventParser` reads either back into the same event.
///
/// Everything is appended straight to bytes: a busy peer writes a line per message received,
/// and no `String` is built for it.
public enum EventRenderer {
    /// The human line (without its newline). `time`: the 26 bytes `YYYY-MM-DD HH:MM:SS.ffffff`.
    /// `node`: written in brackets after the level (the console's form), or left out (the file's).
    public static func appendHuman(
        _ event: NodeEvent, time: [UInt8], node: NodeAddress?, into bytes: inout [UInt8]
    ) {
        bytes.append(contentsOf: time)
        bytes.append(space)
        ASCII.appendUTF8(event.level.column, to: &bytes)
        bytes.append(space)
        if let node {
            bytes.append(UInt8(ascii: "["))
            node.write(into: &bytes)
            ASCII.appendUTF8("] " as StaticString, to: &bytes)
        }
        appendSentence(event, into: &bytes)
    }

    /// The event's sentence alone.
    public static func appendSentence(_ event: NodeEvent, into bytes: inout [UInt8]) {
        let parts = EventTemplate.table[event.kind.rawValue].parts
        var index = 0
        event.forEachValue { value in
            while case .literal(let literal) = parts[index] {
                bytes.append(contentsOf: literal)
                index += 1
            }
            let next: [UInt8]? =
                if index + 1 < parts.count, case .literal(let literal) = parts[index + 1] { literal } else { nil }
            appendHuman(value, before: next, into: &bytes)
            index += 1
        }
        while index < parts.count {
            if case .literal(let literal) = parts[index] { bytes.append(contentsOf: literal) }
            index += 1
        }
    }

    /// The sentence as a `String` (for tests and messages; the log writes bytes).
    public static func sentence(_ event: NodeEvent) -> String {
        var bytes: [UInt8] = []
        appendSentence(event, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The JSON line (without its newline): `time`, `level`, `node` (null when not known),
    /// `event`, then each field of the kind by name.
    public static func appendJSON(
        _ event: NodeEvent, time: [UInt8], node: NodeAddress?, into bytes: inout [UInt8]
    ) {
        let template = EventTemplate.table[event.kind.rawValue]
        ASCII.appendUTF8(#"{"time":""# as StaticString, to: &bytes)
        bytes.append(contentsOf: time)
        ASCII.appendUTF8(#"","level":""# as StaticString, to: &bytes)
        ASCII.appendUTF8(event.level.name, to: &bytes)
        ASCII.appendUTF8(#"","node":"# as StaticString, to: &bytes)
        if let node {
            bytes.append(quote)
            node.write(into: &bytes)
            bytes.append(quote)
        } else {
            ASCII.appendUTF8("null" as StaticString, to: &bytes)
        }
        ASCII.appendUTF8(#","event":""# as StaticString, to: &bytes)
        ASCII.appendUTF8(template.name, to: &bytes)
        bytes.append(quote)
        var index = 0
        event.forEachValue { value in
            ASCII.appendUTF8(#",""# as StaticString, to: &bytes)
            ASCII.appendUTF8(template.fields[index].name, to: &bytes)
            ASCII.appendUTF8(#"":"# as StaticString, to: &bytes)
            appendJSON(value, into: &bytes)
            index += 1
        }
        bytes.append(UInt8(ascii: "}"))
    }

    // MARK: Values

    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")

    /// A value in a sentence. Text is written as it is when it is plain (printable ASCII with
    /// no quote or backslash) and cannot be mistaken for the rest of the sentence; otherwise
    /// in double quotes, escaped. Text that ends the sentence runs to the end of the line,
    /// escaped (`VisibleText`).
    static func appendHuman(_ value: EventValue, before next: [UInt8]?, into bytes: inout [UInt8]) {
        switch value {
        case .address(let address): address.write(into: &bytes)
        case .optionalAddress(let address):
            if let address { address.write(into: &bytes) } else { bytes.append(UInt8(ascii: "?")) }
        case .addresses(let list):
            if list.isEmpty { ASCII.appendUTF8("(none)" as StaticString, to: &bytes) }
            for (index, address) in list.enumerated() {
                if index > 0 { ASCII.appendUTF8(", " as StaticString, to: &bytes) }
                address.write(into: &bytes)
            }
        case .message(let message): ASCII.appendUTF8(message.text, to: &bytes)
        case .count(let count): appendInteger(count, into: &bytes)
        case .duration(let duration):
            appendSeconds(duration, into: &bytes)
            ASCII.appendUTF8(" s" as StaticString, to: &bytes)
        case .text(let text):
            if let next {
                if isPlain(text, before: next) {
                    ASCII.appendUTF8(text, to: &bytes)
                } else {
                    bytes.append(quote)
                    appendEscaped(text, quoting: true, into: &bytes)
                    bytes.append(quote)
                }
            } else {
                appendEscaped(text, quoting: false, into: &bytes)
            }
        }
    }

    static func isPlain(_ text: String, before next: [UInt8]) -> Bool {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != quote && $0 != backslash }) else {
            return false
        }
        // Nor may the sentence's next words start inside it: the reader takes the first match.
        return (utf8 + next).firstRange(of: next)?.lowerBound == utf8.count
    }

    /// `VisibleText`'s escapes, and `\"` for a quote when `quoting`.
    static func appendEscaped(_ text: String, quoting: Bool, into bytes: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22 where quoting: ASCII.appendUTF8(#"\""# as StaticString, to: &bytes)
            case 0x5C: ASCII.appendUTF8(#"\\"# as StaticString, to: &bytes)
            case 0x20..<0x7F: bytes.append(UInt8(scalar.value))
            case 0x09: ASCII.appendUTF8(#"\t"# as StaticString, to: &bytes)
            case 0x0A: ASCII.appendUTF8(#"\n"# as StaticString, to: &bytes)
            case 0x0D: ASCII.appendUTF8(#"\r"# as StaticString, to: &bytes)
            default: bytes.append(contentsOf: ("\\u{" + String(scalar.value, radix: 16) + "}").utf8)
            }
        }
    }

    static func appendInteger(_ value: Int, into bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        ASCII.appendDecimal(value.magnitude.toUInt64, to: &bytes)
    }

    /// Seconds, exact to the nanosecond, with the decimals it needs and at least one: `5.0`,
    /// `2.5`, `0.125`, `0.238417113`. (The node rounds what it computes to the millisecond;
    /// a duration is written exactly all the same, so that it reads back as it was.)
    static func appendSeconds(_ duration: Duration, into bytes: inout [UInt8]) {
        let nanoseconds = duration.wholeNanoseconds
        if nanoseconds < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = nanoseconds.magnitude
        ASCII.appendDecimal(magnitude / 1_000_000_000, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        var fraction = magnitude % 1_000_000_000
        var digits = 9
        while digits > 1 && fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var scaled: [UInt8] = []
        for _ in 0..<digits {
            scaled.append(UInt8(ascii: "0") + UInt8(fraction % 10))
            fraction /= 10
        }
        bytes.append(contentsOf: scaled.reversed())
    }

    /// A value in a JSON line: a string, a number (a count; seconds for a duration), an array of
    /// strings (addresses) or null (no address).
    static func appendJSON(_ value: EventValue, into bytes: inout [UInt8]) {
        switch value {
        case .address(let address):
            bytes.append(quote)
            address.write(into: &bytes)
            bytes.append(quote)
        case .optionalAddress(let address):
            if let address { appendJSON(.address(address), into: &bytes) } else { ASCII.appendUTF8("null" as StaticString, to: &bytes) }
        case .addresses(let list):
            bytes.append(UInt8(ascii: "["))
            for (index, address) in list.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendJSON(.address(address), into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .message(let message): appendJSONString(message.text, into: &bytes)
        case .count(let count): appendInteger(count, into: &bytes)
        case .duration(let duration): appendSeconds(duration, into: &bytes)
        case .text(let text): appendJSONString(text, into: &bytes)
        }
    }

    /// A JSON string of printable ASCII: `\"`, `\\`, `\n`, `\r`, `\t`, and `\uXXXX` (a surrogate
    /// pair beyond the first plane) for everything else.
    static func appendJSONString(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(quote)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: ASCII.appendUTF8(#"\""# as StaticString, to: &bytes)
            case 0x5C: ASCII.appendUTF8(#"\\"# as StaticString, to: &bytes)
            case 0x20..<0x7F: bytes.append(UInt8(scalar.value))
            case 0x0A: ASCII.appendUTF8(#"\n"# as StaticString, to: &bytes)
            case 0x0D: ASCII.appendUTF8(#"\r"# as StaticString, to: &bytes)
            case 0x09: ASCII.appendUTF8(#"\t"# as StaticString, to: &bytes)
            case let value where value > 0xFFFF:
                let offset = value - 0x10000
                appendUnicodeEscape(0xD800 + (offset >> 10), into: &bytes)
                appendUnicodeEscape(0xDC00 + (offset & 0x3FF), into: &bytes)
            default: appendUnicodeEscape(scalar.value, into: &bytes)
            }
        }
        bytes.append(quote)
    }

    static func appendUnicodeEscape(_ unit: UInt32, into bytes: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        ASCII.appendUTF8(#"\u"# as StaticString, to: &bytes)
        for shift in stride(from: 12, through: 0, by: -4) { bytes.append(hex[Int((unit >> UInt32(shift)) & 0xF)]) }
    }
}

extension UInt {
    fileprivate var toUInt64: UInt64 { UInt64(self) }
}
