/// One line of a node's log, read back: when, how much it matters, which node (when the line
/// says), and the event.
public struct LogRecord: Hashable, Sendable {
    /// The local time as written: `YYYY-MM-DD HH:MM:SS.ffffff`.
    public var time: String
    public var level: EventLevel
    /// The node that wrote it: in every JSON line; in a human line on the console only.
    public var node: NodeAddress?
    public var event: NodeEvent

    public init(time: String, level: EventLevel, node: NodeAddress?, event: NodeEvent) {
        self.time = time
        self.level = level
        self.node = node
        self.event = event
    }
}

/// The one reader of log lines: a human line or a JSON line (`EventRenderer` writes both) back
/// into a `LogRecord`. Anything else -- a torn line, a line of another program, a sentence
/// that does not fit its kind's template exactly -- is nil, never a guess.
public enum EventParser {
    /// A line in either form (a JSON line starts with `{`).
    public static func record(_ line: Substring) -> LogRecord? {
        line.utf8.first == UInt8(ascii: "{") ? jsonRecord(line) : humanRecord(line)
    }

    /// The event of a line in either form.
    public static func event(_ line: Substring) -> NodeEvent? { record(line)?.event }

    /// Every complete line of a log's text that is a record (`LogLines`: a torn last line is
    /// left out), in order.
    public static func records(inLog text: String) -> [LogRecord] {
        LogLines.lines(in: text).compactMap { record($0) }
    }

    /// The events of `records(inLog:)`.
    public static func events(inLog text: String) -> [NodeEvent] { records(inLog: text).map(\.event) }

    // MARK: Human lines

    static func humanRecord(_ line: Substring) -> LogRecord? {
        let bytes = Array(line.utf8)
        guard bytes.count > 33, bytes[26] == EventRenderer.space, bytes[32] == EventRenderer.space,
            isTime(bytes[0..<26]),
            let level = EventLevel.allCases.first(where: { Array($0.column.utf8) == Array(bytes[27..<32]) })
        else { return nil }
        var start = 33
        var node: NodeAddress?
        // `[address] `: the first `] ` closes it (an IPv6 address's own `]` is followed by `:`).
        if bytes[start] == UInt8(ascii: "["), let close = bytes[start...].firstRange(of: "] ".utf8)?.lowerBound {
            guard let address = try? NodeAddress(parsing: String(decoding: bytes[(start + 1)..<close], as: UTF8.self))
            else { return nil }
            node = address
            start = close + 2
        }
        guard let event = sentence(bytes[start...]) else { return nil }
        return LogRecord(time: String(decoding: bytes[0..<26], as: UTF8.self), level: level, node: node, event: event)
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff`
    static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        for (offset, byte) in zip(0..., bytes) {
            switch offset {
            case 4, 7: guard byte == UInt8(ascii: "-") else { return false }
            case 10: guard byte == EventRenderer.space else { return false }
            case 13, 16: guard byte == UInt8(ascii: ":") else { return false }
            case 19: guard byte == UInt8(ascii: ".") else { return false }
            default: guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return false }
            }
        }
        return bytes.count == 26
    }

    /// A sentence alone, as `EventRenderer.appendSentence` writes it.
    public static func sentence(_ text: Substring) -> NodeEvent? { sentence(Array(text.utf8)[...]) }

    static func sentence(_ bytes: ArraySlice<UInt8>) -> NodeEvent? {
        for kind in EventKind.allCases {
            let parts = EventTemplate.table[kind.rawValue].parts
            if case .literal(let first)? = parts.first, !bytes.starts(with: first) { continue }
            if let values = values(of: parts, in: bytes), let event = NodeEvent(kind: kind, values: values) {
                return event
            }
        }
        return nil
    }

    /// The template's values in `bytes`, if the bytes are exactly the template filled in.
    static func values(of parts: [EventTemplate.Part], in bytes: ArraySlice<UInt8>) -> [EventValue]? {
        var rest = bytes
        var values: [EventValue] = []
        var index = 0
        while index < parts.count {
            switch parts[index] {
            case .literal(let literal):
                guard rest.starts(with: literal) else { return nil }
                rest = rest.dropFirst(literal.count)
            case .field(_, let type):
                let next: [UInt8]? =
                    if index + 1 < parts.count, case .literal(let literal) = parts[index + 1] { literal } else { nil }
                let field: ArraySlice<UInt8>
                if type == .text, next != nil, rest.first == EventRenderer.quote {
                    guard let end = quotedEnd(rest) else { return nil }
                    field = rest[rest.startIndex..<end]
                } else if let next {
                    guard let range = rest.firstRange(of: next) else { return nil }
                    field = rest[rest.startIndex..<range.lowerBound]
                } else {
                    field = rest
                }
                guard let value = humanValue(field, type: type, last: next == nil) else { return nil }
                values.append(value)
                rest = rest[field.endIndex...]
            }
            index += 1
        }
        return rest.isEmpty ? values : nil
    }

    /// The index after the closing quote of a quoted text starting at `bytes.startIndex`.
    static func quotedEnd(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex + 1
        while index < bytes.endIndex {
            switch bytes[index] {
            case EventRenderer.backslash: index += 2
            case EventRenderer.quote: return index + 1
            default: index += 1
            }
        }
        return nil
    }

    static func humanValue(_ field: ArraySlice<UInt8>, type: EventValue.Kind, last: Bool) -> EventValue? {
        let text = String(decoding: field, as: UTF8.self)
        switch type {
        case .address: return (try? NodeAddress(parsing: text)).map { .address($0) }
        case .optionalAddress:
            if text == "?" { return .optionalAddress(nil) }
            return (try? NodeAddress(parsing: text)).map { .optionalAddress($0) }
        case .addresses:
            if text == "(none)" { return .addresses([]) }
            var list: [NodeAddress] = []
            for part in text.split(separator: ", ", omittingEmptySubsequences: false) {
                guard let address = try? NodeAddress(parsing: part) else { return nil }
                list.append(address)
            }
            return .addresses(list)
        case .message: return (try? Message.decodeGossip(text[...])).map { .message($0) }
        case .count: return integer(text[...]).map { .count($0) }
        case .duration:
            guard text.hasSuffix(" s") else { return nil }
            return duration(text.dropLast(2)).map { .duration($0) }
        case .text:
            if !last, field.first == EventRenderer.quote {
                return unescape(field.dropFirst().dropLast()).map { .text($0) }
            }
            return unescape(field).map { .text($0) }
        }
    }

    static func integer(_ text: Substring) -> Int? {
        let digits = text.hasPrefix("-") ? text.dropFirst() : text
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    /// Seconds with up to nine decimals (`2.5`, `0.125`, `5`), to the nanosecond.
    static func duration(_ text: Substring) -> Duration? {
        let negative = text.hasPrefix("-")
        let body = negative ? text.dropFirst() : text
        let pieces = body.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let whole = integer(pieces[0]), whole >= 0 else { return nil }
        guard whole <= Int64.max / 1_000_000_000 else { return nil }
        var nanoseconds = Int64(whole) * 1_000_000_000
        if pieces.count == 2 {
            let fraction = pieces[1]
            guard fraction.count >= 1, fraction.count <= 9, let value = integer(fraction), value >= 0 else { return nil }
            var scaled = Int64(value)
            for _ in fraction.count..<9 { scaled *= 10 }
            nanoseconds += scaled
        }
        return .nanoseconds(negative ? -nanoseconds : nanoseconds)
    }

    /// Undoes `EventRenderer.appendEscaped`: `\\`, `\"`, `\t`, `\n`, `\r`, `\u{hex}`.
    static func unescape(_ bytes: ArraySlice<UInt8>) -> String? {
        var scalars = String.UnicodeScalarView()
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte >= 0x20 && byte < 0x7F else { return nil }
            guard byte == EventRenderer.backslash else {
                scalars.append(Unicode.Scalar(byte))
                index += 1
                continue
            }
            guard index + 1 < bytes.endIndex else { return nil }
            switch bytes[index + 1] {
            case EventRenderer.backslash: scalars.append("\\")
            case EventRenderer.quote: scalars.append("\"")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "u"):
                guard index + 2 < bytes.endIndex, bytes[index + 2] == UInt8(ascii: "{"),
                    let close = bytes[(index + 3)...].firstIndex(of: UInt8(ascii: "}")), close - index - 3 <= 6,
                    let value = UInt32(String(decoding: bytes[(index + 3)..<close], as: UTF8.self), radix: 16),
                    let scalar = Unicode.Scalar(value)
                else { return nil }
                scalars.append(scalar)
                index = close + 1
                continue
            default: return nil
            }
            index += 2
        }
        return String(scalars)
    }
}
