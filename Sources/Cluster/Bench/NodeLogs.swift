import GossipCore
import GossipRuntime

/// What the bench reads from a peer's log: when it listened, registered and linked, the
/// messages it created and the first receipt of each message.
final class PeerLog {
    struct Created {
        var text: String
        var at: Int64
        var sentTo: Int
    }

    struct Receipt {
        var at: Int64
        var from: NodeAddress?
        var forwarded: Int
    }

    let tail: LogTail
    private var clock = LogTime()
    private(set) var listeningAt: Int64?
    private(set) var registeredAt: Int64?
    private(set) var firstLinkAt: Int64?
    /// `Linked with` lines so far (links made, not links up: a link that drops stays counted).
    private(set) var linkLines = 0
    /// When each `Linked with` line was written (the lab looks for links made after a heal).
    private(set) var linkTimes: [Int64] = []
    private(set) var created: [Created] = []
    /// The first receipt of each message, by the message's text.
    private(set) var receipts: [String: Receipt] = [:]
    /// `Dead Node` reports this peer made, by the address reported.
    private(set) var reports: [(dead: NodeAddress, at: Int64)] = []
    /// Every `Linked with peer <addr>` line: the neighbour and when (for `cluster report`'s overlay).
    private(set) var links: [(peer: NodeAddress, at: Int64)] = []
    /// Every `Peer listening on` and `Registered with` line's time (a log appended to by
    /// several runs has several), and the time of the last line read.
    private(set) var listenings: [Int64] = []
    /// The address the node said it listens on (the last time it started).
    private(set) var listenAddress: NodeAddress?
    private(set) var registrations: [Int64] = []
    private(set) var lastLineAt: Int64?

    init(path: String, from offset: Int = 0) { tail = LogTail(path: path, from: offset) }

    /// Reads the lines written since the last update.
    func update() {
        tail.readLines { line in
            guard let event = LogText.event(inLogLine: line), let at = clock.microseconds(ofLine: line) else { return }
            lastLineAt = at
            if let receipt = LogText.receipt(inEvent: event) {
                guard receipts[receipt.message.text] == nil else { return }
                receipts[receipt.message.text] = Receipt(at: at, from: receipt.from, forwarded: receipt.forwarded)
            } else if let creation = LogText.creation(inEvent: event) {
                created.append(Created(text: creation.message.text, at: at, sentTo: creation.sentTo))
            } else if event.hasPrefix("Linked with peer ") {
                linkLines += 1
                linkTimes.append(at)
                if let peer = Self.address(after: "Linked with peer ", in: event) { links.append((peer, at)) }
                if firstLinkAt == nil { firstLinkAt = at }
            } else if event.hasPrefix("Link with peer "), event.hasSuffix(" is up again") {
                linkTimes.append(at)  // A link restored to a neighbour it kept: linked again all the same.
            } else if let dead = Self.reported(inEvent: event) {
                reports.append((dead, at))
            } else if event.hasPrefix("Registered with ") {
                if registeredAt == nil { registeredAt = at }
                registrations.append(at)
            } else if event.hasPrefix("Peer listening on ") {
                if listeningAt == nil { listeningAt = at }
                listenings.append(at)
                listenAddress = Self.address(after: "Peer listening on ", in: event) ?? listenAddress
            }
        }
    }

    /// The peer a `Reporting Dead Node:<dead>:<ts>:<me> (...)` line reports.
    static func reported(inEvent event: Substring) -> NodeAddress? {
        guard event.hasPrefix("Reporting Dead Node:") else { return nil }
        let report = event.dropFirst("Reporting ".count)
        let end = report.firstRange(of: " (")?.lowerBound ?? report.endIndex
        guard case .deadNode(let dead, _, _)? = try? Message(decoding: report[..<end]) else { return nil }
        return dead
    }

    /// The address that follows `marker`, up to the next `;`, space or the end.
    static func address(after marker: String, in text: Substring) -> NodeAddress? {
        guard let range = text.firstRange(of: marker) else { return nil }
        let rest = text[range.upperBound...]
        let field = rest.prefix { $0 != ";" && $0 != " " }
        return try? NodeAddress(parsing: field)
    }

}

/// What the bench reads from a seed's log: when it listened, and when it registered and
/// removed each peer (the first time), and every removal with its reason (for the lab).
final class SeedLog {
    /// One `Removed ...` line: the peer, when, and why (`dead` or `left`).
    struct Removal {
        var peer: NodeAddress
        var at: Int64
        var reason: String
    }

    let tail: LogTail
    private var clock = LogTime()
    private(set) var listeningAt: Int64?
    private(set) var registered: [NodeAddress: Int64] = [:]
    private(set) var removed: [NodeAddress: Int64] = [:]
    /// Every `Registered peer` line, in order (a seed restarted on the same log appends).
    private(set) var registrations: [(peer: NodeAddress, at: Int64)] = []
    private(set) var removals: [Removal] = []
    /// `Suspect peer` lines: accusations the seed took and checked.
    private(set) var suspicions = 0
    /// Every `Seed listening on` line's time (a log appended to by several runs, or a seed
    /// restarted, has several), and the time of the last line read.
    private(set) var listenings: [Int64] = []
    /// The address the node said it listens on (the last time it started).
    private(set) var listenAddress: NodeAddress?
    private(set) var lastLineAt: Int64?

    init(path: String, from offset: Int = 0) { tail = LogTail(path: path, from: offset) }

    func update() {
        tail.readLines { line in
            guard let event = LogText.event(inLogLine: line), let at = clock.microseconds(ofLine: line) else { return }
            lastLineAt = at
            if event.hasPrefix("Registered peer ") {
                if let peer = PeerLog.address(after: "Registered peer ", in: event) {
                    registrations.append((peer, at))
                    if registered[peer] == nil { registered[peer] = at }
                }
            } else if let removal = Self.removal(inEvent: event) {
                removals.append(Removal(peer: removal.peer, at: at, reason: removal.reason))
                if removed[removal.peer] == nil { removed[removal.peer] = at }
            } else if event.hasPrefix("Suspect peer ") {
                suspicions += 1
            } else if event.hasPrefix("Seed listening on ") {
                if listeningAt == nil { listeningAt = at }
                listenings.append(at)
                listenAddress = PeerLog.address(after: "Seed listening on ", in: event) ?? listenAddress
            }
        }
    }

    /// The one reader of a seed's removal line, so a change of its wording is made here only.
    /// Takes `Removed peer <addr>: dead (...)` and `Removed peer <addr>: left` (the word after
    /// the address is the reason).
    static func removal(inEvent event: Substring) -> (peer: NodeAddress, reason: String)? {
        guard event.hasPrefix("Removed peer ") else { return nil }
        let rest = event.dropFirst("Removed peer ".count)
        var field = rest.prefix { $0 != " " && $0 != ";" }
        let after = rest.dropFirst(field.count).drop { $0 == " " }
        if field.hasSuffix(":") { field = field.dropLast() }
        guard let peer = try? NodeAddress(parsing: field) else { return nil }
        let reason = after.prefix { $0.isLetter }
        return (peer, reason.isEmpty ? "removed" : String(reason))
    }
}
