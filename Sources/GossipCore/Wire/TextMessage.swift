/// An operator's text message, `Text:<timestamp>:<IP>:<port>:<seq>:<text>`, flooded to every
/// peer like a gossip message and logged by each (docs/PROTOCOL.md, "Text messages").
///
/// The text is carried escaped by the one scheme of `VisibleText` (a newline is `\n`, ESC is
/// `\u{1b}`, `é` is `\u{e9}`, a backslash `\\`), so the line is printable ASCII: no byte of the
/// text can end the line, and what the log shows is the wire field itself. Only the canonical
/// escaping is taken (`\u{41}` for `A` is refused), so one text has one spelling.
///
/// `seq` counts the origin's texts from 1, a sequence space of its own beside the gossip
/// messages' `Msg#`: texts are deduplicated per origin exactly as gossip messages are
/// (`TextLog`, over `SeenMessages`).
public struct TextMessage: Hashable, Sendable, CustomStringConvertible {
    /// The most UTF-8 bytes of text a message carries.
    public static let maxTextBytes = 1_024
    /// The most bytes of escaped text: with the longest timestamp, address and `seq`, the line
    /// stays within `Limits.maxLineBytes` (text full of control characters, which escape to 6
    /// bytes each, is bounded by this rather than by `maxTextBytes`).
    public static let maxEscapedBytes = 3_900

    public let timestamp: Timestamp
    public let origin: NodeAddress
    public let sequence: Int
    /// The text, unescaped: what the operator typed.
    public let text: String
    /// The text as on the wire and in the log.
    public let escaped: String

    /// A new text message; the text must be within the limits (`check`).
    public init(timestamp: Timestamp, origin: NodeAddress, sequence: Int, text: String) throws(WireError) {
        let escaped = try Self.check(text)
        self.init(timestamp: timestamp, origin: origin, sequence: sequence, text: text, escaped: escaped)
    }

    init(timestamp: Timestamp, origin: NodeAddress, sequence: Int, text: String, escaped: String) {
        self.timestamp = timestamp
        self.origin = origin
        self.sequence = sequence
        self.text = text
        self.escaped = escaped
    }

    /// `<timestamp>:<IP>:<port>:<seq>`: which text this is, for the log.
    public var identity: String { "\(timestamp):\(origin):\(sequence)" }

    public var encoded: String { "Text:\(identity):\(escaped)" }

    public var description: String { encoded }

    /// The escaped form of `text`, or why it cannot be sent: empty, over `maxTextBytes`, or
    /// escaping to more than `maxEscapedBytes`.
    public static func check(_ text: String) throws(WireError) -> String {
        guard !text.isEmpty else { throw .malformed("Text", "the text is empty") }
        let bytes = text.utf8.count
        guard bytes <= maxTextBytes else {
            throw .malformed("Text", "the text is \(bytes) bytes; at most \(maxTextBytes) are taken")
        }
        let escaped = VisibleText.escaped(text)
        guard escaped.utf8.count <= maxEscapedBytes else {
            throw .malformed("Text", "the text escapes to \(escaped.utf8.count) bytes; at most \(maxEscapedBytes) are taken")
        }
        return escaped
    }

    /// Parses the body of a `Text:` line (after `Text:`). Every field is checked.
    static func decode(_ body: Substring) throws(WireError) -> TextMessage {
        var s = FieldScanner(body)
        let tsField = s.field()
        guard let ts = Timestamp(parsing: tsField), ts.description.utf8.elementsEqual(tsField.utf8) else {
            throw .badTimestamp("Text", Message.quote(tsField))
        }
        guard s.separator() else { throw .malformed("Text", "expected <timestamp>:<IP>:<port>:<seq>:<text>") }
        let origin: NodeAddress
        do { origin = try s.address() } catch { throw .badAddress("Text", error) }
        guard s.separator() else { throw .malformed("Text", "expected :<seq> after the address") }
        let number = s.field()
        guard (1...18).contains(number.utf8.count), number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            number.utf8.first != 48, let sequence = Int(number)
        else { throw .malformed("Text", "seq '\(Message.quote(number))' is not a number from 1") }
        guard s.separator() else { throw .malformed("Text", "expected :<text> after the seq") }
        let escaped = s.remainder()
        guard escaped.utf8.count <= maxEscapedBytes else {
            throw .malformed("Text", "the escaped text is \(escaped.utf8.count) bytes; at most \(maxEscapedBytes) are taken")
        }
        guard let text = VisibleText.unescaped(escaped) else {
            throw .malformed("Text", "the text '\(Message.quote(escaped))' is not escaped as docs/PROTOCOL.md says")
        }
        guard !text.isEmpty else { throw .malformed("Text", "the text is empty") }
        guard text.utf8.count <= maxTextBytes else {
            throw .malformed("Text", "the text is \(text.utf8.count) bytes; at most \(maxTextBytes) are taken")
        }
        let message = TextMessage(timestamp: ts, origin: origin, sequence: sequence, text: text, escaped: String(escaped))
        // One text, one spelling: the address as nodes print it, the text escaped canonically.
        guard message.encoded.utf8.elementsEqual(("Text:"[...] + body).utf8) else {
            throw .malformed(
                "Text", "not written canonically; the one spelling is '\(Message.quote(message.encoded[...], limit: 120))'")
        }
        return message
    }
}
