/// One value of an event, as the renderer writes it and the parser reads it back.
public enum EventValue: Hashable, Sendable {
    case address(NodeAddress)
    case optionalAddress(NodeAddress?)
    case addresses([NodeAddress])
    case message(GossipMessage)
    case count(Int)
    /// Exact to the nanosecond: what a line shows and reads back.
    case duration(Duration)
    case text(String)

    /// The type letters of a template's `{name:type}`.
    enum Kind: String, Hashable, Sendable {
        case address = "a"
        case optionalAddress = "a?"
        case addresses = "as"
        case message = "m"
        case count = "n"
        case duration = "d"
        case text = "t"
    }

    var kind: Kind {
        switch self {
        case .address: .address
        case .optionalAddress: .optionalAddress
        case .addresses: .addresses
        case .message: .message
        case .count: .count
        case .duration: .duration
        case .text: .text
        }
    }
}

/// One kind's sentence, split into its literal parts and its fields, once per process.
struct EventTemplate: Sendable {
    enum Part: Sendable {
        case literal([UInt8])
        case field(name: String, type: EventValue.Kind)
    }

    let name: String
    let level: EventLevel
    let parts: [Part]
    /// The fields, in order.
    let fields: [(name: String, type: EventValue.Kind)]

    init(kind: EventKind) {
        name = EventKind.names[kind.rawValue]
        let (level, sentence) = kind.definition
        self.level = level
        var parts: [Part] = []
        var fields: [(String, EventValue.Kind)] = []
        // Bytes, not characters: the templates are ASCII, and character-wise parsing would pull
        // in the grapheme-breaking code and tables at every node's start.
        let bytes = Array(sentence.utf8)
        var index = 0
        var literal: [UInt8] = []
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "{"), let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")) else {
                literal.append(bytes[index])
                index += 1
                continue
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = []
            let spec = bytes[(index + 1)..<close]
            let colon = spec.firstIndex(of: UInt8(ascii: ":"))!
            let field = (
                String(decoding: spec[..<colon], as: UTF8.self),
                EventValue.Kind(rawValue: String(decoding: spec[(colon + 1)...], as: UTF8.self))!
            )
            parts.append(.field(name: field.0, type: field.1))
            fields.append(field)
            index = close + 1
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
        self.fields = fields
    }

    /// Every kind's template, by `EventKind.rawValue`.
    static let table: [EventTemplate] = EventKind.allCases.map(EventTemplate.init(kind:))
    static let byName: [String: EventKind] = Dictionary(
        uniqueKeysWithValues: EventKind.allCases.map { (table[$0.rawValue].name, $0) })
}

extension Duration {
    /// To the millisecond, for an event: a computed wait (`0.238 s`) reads better than its
    /// nanoseconds, which a line would otherwise show in full.
    public var toMilliseconds: Duration { .milliseconds(wholeMilliseconds) }
}
