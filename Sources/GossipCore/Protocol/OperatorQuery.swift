/// The operator channel's vocabulary (the control socket, docs/PROTOCOL.md "Control socket"):
/// what a line from an operator asks, parsed here so the shell only carries it out.

/// What a node is, for the operator channel: which commands it takes, how its socket is named.
public enum NodeKind: String, Hashable, Sendable {
    case seed
    case peer
}

/// A question an instance answers from its state (`NodeInstance.answer`).
public enum OperatorQuery: Hashable, Sendable {
    /// Counters: links or members, messages, texts, dead reports (`key: value` lines).
    case status
    /// A seed: every member with its state. A peer: its neighbours and their links, its seeds.
    case members
}

/// One line on the control socket, parsed.
public enum ControlCommand: Hashable, Sendable {
    /// `broadcast`, `send <text>`, `send-escaped <text>`: a peer's commands (`OperatorCommand`).
    case node(OperatorCommand)
    case status
    case members
    /// Stop as on SIGINT: a peer says `Leave` to its seeds and neighbours first.
    case leave
    /// Stream the log's events as they are written: human lines, or JSON lines; only the
    /// events of `types` when any are given.
    case monitor(json: Bool, types: [String])
    case help

    public static let usage =
        "commands: send <text>, send-escaped <escaped text>, broadcast, members, status, leave, monitor [json] [TYPE,...], help"

    /// Parses one control line; the error is what the client is told.
    public static func parse(_ line: Substring) throws(CommandError) -> ControlCommand {
        let trimmed = line.trimmingWhitespace()
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = words.first else { throw CommandError("empty command; \(usage)") }
        func noArguments(_ command: ControlCommand) throws(CommandError) -> ControlCommand {
            guard words.count == 1 else { throw CommandError("'\(first)' takes no arguments") }
            return command
        }
        switch first {
        case "status": return try noArguments(.status)
        case "members": return try noArguments(.members)
        case "leave": return try noArguments(.leave)
        case "help": return try noArguments(.help)
        case "broadcast", "send", "send-escaped":
            return .node(try OperatorCommand.parse(line))
        case "monitor":
            var json = false
            var types: [String] = []
            for word in words.dropFirst() {
                if word == "json" && !json && types.isEmpty {
                    json = true
                } else if types.isEmpty {
                    types = word.split(separator: ",").map(String.init)
                    guard !types.isEmpty, types.allSatisfy({ $0.allSatisfy { $0.isLetter } && $0.allSatisfy(\.isASCII) }) else {
                        throw CommandError(
                            "monitor: '\(Message.quote(word))' is not a list of event types (letters, comma-separated)")
                    }
                } else {
                    throw CommandError("monitor takes [json] [TYPE,...]; '\(Message.quote(word))' is one word too many")
                }
            }
            return .monitor(json: json, types: types)
        default:
            throw CommandError("unknown command '\(Message.quote(first))'; \(usage)")
        }
    }
}

extension NodeInstance {
    /// An instance that says nothing of itself (a test's scripted one).
    public var kind: NodeKind { .peer }
    public mutating func answer(_ query: OperatorQuery, now: Now) -> [String] { [] }
}

extension PeerProtocol {
    public var kind: NodeKind { .peer }

    public mutating func answer(_ query: OperatorQuery, now: Now) -> [String] {
        switch query {
        case .status:
            return [
                "links: \(links.count) up of \(neighbourOrder.count) neighbours",
                "seeds: registered with \(seeds.registered.count) of \(settings.seeds.count)",
                "messages created: \(messagesCreated)",
                // Every message taken that this run did not make itself.
                "messages received: \(max(0, messageLog.inserted - messagesCreated))",
                "texts sent: \(textsSent)",
                "texts received: \(textsReceived)",
                "dead reports sent: \(deadReportsSent)",
            ]
        case .members:
            var lines: [String] = []
            for peer in neighbourOrder {
                guard let neighbour = neighbours[peer] else { continue }
                let link = neighbour.connection == nil ? "down" : "up"
                let verified = neighbour.verified ? "verified" : "unverified"
                let direction = neighbour.dialledByUs ? "dialled by us" : "dialled by it"
                lines.append("neighbour \(peer) link \(link), \(verified), \(direction)")
            }
            for seed in seeds.order {
                let standing: String
                switch seeds[seed] {
                case .registered?: standing = "registered"
                case .asked?: standing = "asked"
                case .rejoining?: standing = "rejoining"
                case .failed?: standing = "failed, to be asked again"
                case nil: standing = "not asked (a fallback)"
                }
                lines.append("seed \(seed) \(standing)")
            }
            return lines
        }
    }
}

extension SeedProtocol {
    public var kind: NodeKind { .seed }

    public mutating func answer(_ query: OperatorQuery, now: Now) -> [String] {
        let rows = membership.rows()
        switch query {
        case .status:
            let counts = Member.State.allCases.map { state in "\(rows.count { $0.state == state }) \(state.rawValue)" }
            return [
                "registered: \(registry.count) listed",
                "members: " + counts.joined(separator: ", "),
                "dead reports received: \(deadReportsReceived)",
            ]
        case .members:
            return rows.map { "\($0.address) \($0.state.rawValue)" }
        }
    }
}
