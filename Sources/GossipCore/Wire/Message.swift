/// A gossip message, `<timestamp>:<IP>:<port>:<Msg#>`, as created by the peer at `origin`.
///
/// `text` is the line exactly as it was on the wire: it is what the message log keys on, what
/// is forwarded and what is logged, so a message is never re-spelled on its way through the
/// network.
public struct GossipMessage: Hashable, Sendable, CustomStringConvertible {
    public let timestamp: Timestamp
    public let origin: NodeAddress
    public let sequence: Int
    public let text: String

    /// A new message, as its origin writes it.
    public init(timestamp: Timestamp, origin: NodeAddress, sequence: Int) {
        self.timestamp = timestamp
        self.origin = origin
        self.sequence = sequence
        self.text = "\(timestamp):\(origin):\(sequence)"
    }

    init(timestamp: Timestamp, origin: NodeAddress, sequence: Int, text: String) {
        self.timestamp = timestamp
        self.origin = origin
        self.sequence = sequence
        self.text = text
    }

    public var description: String { text }
}

/// Every line of the protocol. `docs/PROTOCOL.md` describes each one: who sends it and what
/// answers it.
public enum Message: Hashable, Sendable {
    /// Peer to seed: add me to your list. Answered by `peerList`.
    case register(NodeAddress)
    /// Anyone to seed: which peers do you list? Read-only. Answered by `peerList`.
    case listPeers
    /// Seed to peer: the registered peers (a bounded random sample when there are many).
    case peerList([NodeAddress])
    /// Peer to seed: `dead` missed its liveness requests, as seen by `reporter` at `timestamp`.
    case deadNode(dead: NodeAddress, timestamp: Timestamp, reporter: NodeAddress)
    /// Peer to peer, first line on a new link: I listen at this address; link with me.
    case linkRequest(NodeAddress)
    /// Answer to `linkRequest`: the link is up; the acceptor listens at this address.
    case linkAccepted(NodeAddress)
    /// Answer to `linkRequest`: no link, with the reason. The acceptor then closes.
    case linkRefused(String)
    /// Peer to linked neighbour: are you alive?
    case livenessRequest(timestamp: Timestamp, sender: NodeAddress)
    /// Answer to `livenessRequest`, echoing its timestamp and sender, then the replier.
    case livenessReply(timestamp: Timestamp, sender: NodeAddress, replier: NodeAddress)
    /// A gossip message, flooded over the links.
    case gossip(GossipMessage)
    /// Answer to a line that could not be taken, saying why.
    case error(String)
    /// Peer to its seeds and neighbours, as it stops on purpose: drop me now, I am not dead.
    case leave(NodeAddress)
    /// Anyone to seed: the complete membership, a page at a time, from `offset` (0 first).
    case listMembers(offset: Int)
    /// Answer to `listMembers`: the members at `offset..<offset + members.count` of `total`,
    /// in address order. The client asks again from the next offset until it has `total`.
    case members(offset: Int, total: Int, [Member])
    /// The cluster-key handshake, first on a connection when nodes share a key
    /// (`Authenticated`); the instances never see it.
    case auth(AuthLine)
    /// An operator's text message, flooded over the links like a gossip message. Boxed
    /// (`indirect`): held inline, its two strings would make every `Message`, and so every
    /// action a relaying peer appends per gossip line, 16 bytes larger (57 bytes, not 73).
    indirect case text(TextMessage)
}

/// One row of a seed's membership, as `Members:` carries it: `<IP>:<port>=<state>`.
public struct Member: Hashable, Sendable, CustomStringConvertible {
    /// What the seed believes. Ordered by how sure the seed is that the peer is gone.
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// Registered, not listed yet: the seed has not yet seen it answer on its address.
        case joining
        /// Registered, and heard from (or not accused) lately.
        case alive
        /// Accused by a `Dead Node:` report (or silent); the seed is checking it.
        case suspect
        /// Dropped after the seed confirmed the death, kept a while so operators can see it.
        case dead
        /// Left on purpose (`Leave:`), kept a while so operators can see it.
        case left
        /// Registration expired: no renewal for the registration lifetime, although it may
        /// be alive (it registered elsewhere, or gave up on this seed). Kept a while.
        case expired
    }

    public var address: NodeAddress
    public var state: State

    public init(_ address: NodeAddress, _ state: State) {
        self.address = address
        self.state = state
    }

    public var description: String { "\(address)=\(state.rawValue)" }
}

extension Message {
    /// The line for this message, without its newline. The lines `write(into:)` spells byte by
    /// byte are spelled there only, and read back from its bytes here.
    public var encoded: String {
        switch self {
        case .register, .peerList, .deadNode, .linkRequest, .linkAccepted, .livenessRequest, .livenessReply:
            var bytes: [UInt8] = []
            write(into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        case .listPeers: return "List Peers"
        case .linkRefused(let reason): return "Link Refused:\(Self.oneLine(reason))"
        case .gossip(let message): return message.text
        case .error(let text): return "Error:\(Self.oneLine(text))"
        case .leave(let a): return "Leave:\(a)"
        case .listMembers(let offset): return "List Members:\(offset)"
        case .members(let offset, let total, let rows):
            return "Members:\(offset):\(total):" + rows.map(\.description).joined(separator: ",")
        case .auth(let line): return line.encoded
        case .text(let message): return message.encoded
        }
    }

    /// Appends the line for this message (without its newline). The lines an idle network
    /// sends all the time are spelled here, byte by byte (building them by interpolation was a
    /// fifth of an idle peer's instructions, docs/PERFORMANCE.md, "Idle CPU"); the others are
    /// copied from `encoded`.
    public func write(into bytes: inout [UInt8]) {
        let colon = UInt8(ascii: ":")
        switch self {
        case .livenessRequest(let timestamp, let sender):
            ASCII.appendUTF8("Liveness Request:", to: &bytes)
            timestamp.write(into: &bytes)
            bytes.append(colon)
            sender.write(into: &bytes)
        case .livenessReply(let timestamp, let sender, let replier):
            ASCII.appendUTF8("Liveness Reply:", to: &bytes)
            timestamp.write(into: &bytes)
            bytes.append(colon)
            sender.write(into: &bytes)
            bytes.append(colon)
            replier.write(into: &bytes)
        case .register(let address):
            ASCII.appendUTF8("Register:", to: &bytes)
            address.write(into: &bytes)
        case .peerList(let list):
            ASCII.appendUTF8("Peer List:", to: &bytes)
            for (index, address) in list.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                address.write(into: &bytes)
            }
        case .linkRequest(let address):
            ASCII.appendUTF8("Link Request:", to: &bytes)
            address.write(into: &bytes)
        case .linkAccepted(let address):
            ASCII.appendUTF8("Link Accepted:", to: &bytes)
            address.write(into: &bytes)
        case .deadNode(let dead, let timestamp, let reporter):
            ASCII.appendUTF8("Dead Node:", to: &bytes)
            dead.write(into: &bytes)
            bytes.append(colon)
            timestamp.write(into: &bytes)
            bytes.append(colon)
            reporter.write(into: &bytes)
        case .gossip(let message):
            ASCII.appendUTF8(message.text, to: &bytes)
        default:
            ASCII.appendUTF8(encoded, to: &bytes)
        }
    }

    /// Free text on the wire must stay one line and within the line limit: every scalar that
    /// is not printable ASCII (a line break, an escape sequence, anything a terminal would
    /// act on) is written visibly, as the log writes it (`VisibleText`), and the text is cut
    /// at 512 bytes. Quoted excerpts of what a sender sent are escaped already
    /// (`Message.quote`), so the sender gets back printable text only.
    static func oneLine(_ text: String) -> String {
        var clean = VisibleText.printable(text)
        if clean.utf8.count > 512 { clean = String(decoding: clean.utf8.prefix(509), as: UTF8.self) + "..." }
        return clean
    }

    /// Parses one line (without its newline). A gossip message keeps `line` itself as its
    /// text, so relaying it copies no bytes. The common lines in their canonical spelling take
    /// a fast path over the bytes (`GossipLineParser`, `PlainLineParser`); everything else,
    /// and every error, comes from the general decoder below, which the fast paths agree with.
    public init(decoding line: String) throws(WireError) {
        var line = line
        if let first = line.utf8.first, first &- 48 < 10 {
            if let (timestamp, origin, sequence) = line.withUTF8({ GossipLineParser.parse($0) }) {
                self = .gossip(GossipMessage(timestamp: timestamp, origin: origin, sequence: sequence, text: line))
                return
            }
        } else if let message = line.withUTF8({ PlainLineParser.parse($0) }) {
            self = message
            return
        }
        try self.init(decoding: line[...])
    }

    /// Parses one line (without its newline). Every byte is checked; nothing is trusted.
    public init(decoding line: Substring) throws(WireError) {
        if let first = line.utf8.first, first >= 48 && first <= 57 {
            self = .gossip(try Self.decodeGossip(line))
            return
        }
        guard let colon = line.firstIndex(of: ":") else {
            if line == "List Peers" { self = .listPeers; return }
            if line.isEmpty { throw .emptyLine }
            throw .unknownMessage(Self.quote(line))
        }
        let name = line[..<colon]
        let body = line[line.index(after: colon)...]
        do {
            switch name {
            case "Register": self = .register(try NodeAddress(parsing: body))
            case "Peer List":
                self = .peerList(
                    try body.isEmpty
                        ? []
                        : body.split(separator: ",", omittingEmptySubsequences: false).map {
                            (item) throws(AddressError) in try NodeAddress(parsing: item)
                        })
            case "Dead Node":
                var s = FieldScanner(body)
                let dead = try s.address()
                let ts = try Self.timestamp(&s, in: "Dead Node")
                guard s.separator() else { throw WireError.malformed("Dead Node", "expected :<IP>:<port> of the reporter") }
                let reporter = try s.address()
                guard s.isAtEnd else { throw WireError.malformed("Dead Node", "unexpected text after the reporter") }
                self = .deadNode(dead: dead, timestamp: ts, reporter: reporter)
            case "Link Request": self = .linkRequest(try NodeAddress(parsing: body))
            case "Link Accepted": self = .linkAccepted(try NodeAddress(parsing: body))
            case "Link Refused": self = .linkRefused(String(body))
            case "Liveness Request":
                var s = FieldScanner(body)
                let ts = try Self.timestamp(&s, in: "Liveness Request", leading: false)
                guard s.separator() else { throw WireError.malformed("Liveness Request", "expected <timestamp>:<IP>:<port>") }
                let sender = try s.address()
                guard s.isAtEnd else { throw WireError.malformed("Liveness Request", "unexpected text after the sender") }
                self = .livenessRequest(timestamp: ts, sender: sender)
            case "Liveness Reply":
                var s = FieldScanner(body)
                let ts = try Self.timestamp(&s, in: "Liveness Reply", leading: false)
                guard s.separator() else {
                    throw WireError.malformed("Liveness Reply", "expected <timestamp>:<IP>:<port>:<IP>:<port>")
                }
                let sender = try s.address()
                guard s.separator() else { throw WireError.malformed("Liveness Reply", "expected the replier's :<IP>:<port>") }
                let replier = try s.address()
                guard s.isAtEnd else { throw WireError.malformed("Liveness Reply", "unexpected text after the replier") }
                self = .livenessReply(timestamp: ts, sender: sender, replier: replier)
            case "Error": self = .error(String(body))
            case "Leave": self = .leave(try NodeAddress(parsing: body))
            case "List Members":
                self = .listMembers(offset: try Self.count(body, in: "List Members", what: "offset"))
            case "Members":
                let parts = body.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3 else { throw WireError.malformed("Members", "expected <offset>:<total>:<members>") }
                let offset = try Self.count(parts[0], in: "Members", what: "offset")
                let total = try Self.count(parts[1], in: "Members", what: "total")
                let rows: [Member] = try parts[2].isEmpty
                    ? []
                    : parts[2].split(separator: ",", omittingEmptySubsequences: false).map { (item) throws(WireError) -> Member in
                        guard let equals = item.lastIndex(of: "="),
                            let state = Member.State(rawValue: String(item[item.index(after: equals)...]))
                        else { throw WireError.malformed("Members", "'\(Self.quote(item))' is not <IP>:<port>=<state>") }
                        do throws(AddressError) { return Member(try NodeAddress(parsing: item[..<equals]), state) } catch {
                            throw WireError.badAddress("Members", error)
                        }
                    }
                guard offset + rows.count <= total else {
                    throw WireError.malformed("Members", "more members than the total")
                }
                self = .members(offset: offset, total: total, rows)
            case "Auth Hello": self = .auth(try AuthLine.decodeHello(body))
            case "Auth Welcome": self = .auth(try AuthLine.decodeWelcome(body))
            case "Text": self = .text(try TextMessage.decode(body))
            default: throw WireError.unknownMessage(Self.quote(line))
            }
        } catch let error as AddressError {
            throw .badAddress(String(name), error)
        } catch let error as WireError {
            throw error
        } catch {
            throw .malformed(String(name), "\(error)")
        }
    }

    /// A whole number from 0, written plainly (at most 9 digits: a page offset or a count).
    private static func count(_ text: Substring, in name: String, what: String) throws(WireError) -> Int {
        guard (1...9).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            text.utf8.count == 1 || text.utf8.first != 48, let value = Int(text)
        else { throw .malformed(name, "\(what) '\(quote(text))' is not a whole number from 0") }
        return value
    }

    /// Reads `:<timestamp>` (or `<timestamp>` when `leading` is false).
    private static func timestamp(_ s: inout FieldScanner, in name: String, leading: Bool = true) throws(WireError) -> Timestamp {
        if leading { guard s.separator() else { throw .malformed(name, "expected :<timestamp>") } }
        let field = s.field()
        guard let ts = Timestamp(parsing: field) else { throw .badTimestamp(name, Self.quote(field)) }
        return ts
    }

    static func decodeGossip(_ line: Substring) throws(WireError) -> GossipMessage {
        var s = FieldScanner(line)
        let tsField = s.field()
        guard let ts = Timestamp(parsing: tsField) else { throw .badTimestamp("gossip message", quote(tsField)) }
        guard s.separator() else { throw .malformed("gossip message", "expected <timestamp>:<IP>:<port>:<Msg#>") }
        let origin: NodeAddress
        do { origin = try s.address() } catch { throw .badAddress("gossip message", error) }
        guard s.separator() else { throw .malformed("gossip message", "expected :<Msg#> after the address") }
        let number = s.remainder()
        guard (1...18).contains(number.utf8.count), number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let sequence = Int(number), sequence >= 1
        else { throw .malformed("gossip message", "Msg# '\(quote(number))' is not a number from 1") }
        let message = GossipMessage(timestamp: ts, origin: origin, sequence: sequence)
        // One message, one text: the message log and every peer key on the exact text, so a
        // second spelling (`007`, whole seconds, a mapped or uncompressed IPv6) is refused
        // rather than taken for another message.
        guard message.text.utf8.elementsEqual(line.utf8) else {
            throw .malformed("gossip message", "not written canonically; the one spelling is '\(message.text)'")
        }
        return message
    }

    /// A bounded, printable excerpt of untrusted text, for error messages and logs: at most
    /// `limit` scalars, escaped by the one scheme of `VisibleText` (control characters and
    /// non-ASCII shown as `\r`, `\u{1b}`, ...), so it can never break or forge a line.
    public static func quote(_ text: Substring, limit: Int = 60) -> String {
        VisibleText.escaped(text, limit: limit)
    }

    /// A quoted excerpt of a whole free-text field from the wire (`Error:` and `Link Refused:`
    /// reasons): as long as the free-text limit, escaped.
    public static func quoteText(_ text: String) -> String { quote(text[...], limit: 512) }

    /// A bounded excerpt of untrusted text, not escaped: for an event's text, which its
    /// renderer escapes (once) when it writes the line. At most `limit` scalars, then `...`.
    public static func excerpt(_ text: some StringProtocol, limit: Int = 512) -> String {
        var scalars = String.UnicodeScalarView()
        for (count, scalar) in text.unicodeScalars.enumerated() {
            if count == limit { return String(scalars) + "..." }
            scalars.append(scalar)
        }
        return String(scalars)
    }
}

/// Why a line is not a message. The description is what the sender gets back in `Error:`.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyLine
    case unknownMessage(String)
    case malformed(String, String)
    case badAddress(String, AddressError)
    case badTimestamp(String, String)

    public var description: String {
        switch self {
        case .emptyLine: return "empty line"
        case .unknownMessage(let text): return "unknown message '\(text)'"
        case .malformed(let name, let detail): return "malformed \(name): \(detail)"
        case .badAddress(let name, let error): return "malformed \(name): \(error)"
        case .badTimestamp(let name, let text):
            return "malformed \(name): '\(text)' is not a timestamp (Unix seconds with 3 decimals)"
        }
    }
}
