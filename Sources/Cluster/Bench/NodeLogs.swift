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
    /// `linked` events so far (links made, not links up: a link that drops stays counted).
    private(set) var linkLines = 0
    /// When each `linked` event was written (the lab looks for links made after a heal).
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

    /// Reads the lines written since the last update (human or JSON lines, `EventParser`).
    func update() {
        tail.readLines { line in
            guard let record = EventParser.record(line), let at = clock.microseconds(ofLine: record.time[...]) else { return }
            lastLineAt = at
            switch record.event {
            case .received(let message, let from, let forwarded):
                guard receipts[message.text] == nil else { return }
                receipts[message.text] = Receipt(at: at, from: from, forwarded: forwarded)
            case .created(let message, let sentTo):
                created.append(Created(text: message.text, at: at, sentTo: sentTo))
            case .linked(let peer, _, _):
                linkLines += 1
                linkTimes.append(at)
                links.append((peer, at))
                if firstLinkAt == nil { firstLinkAt = at }
            case .linkUpAgain:
                linkTimes.append(at)  // A link restored to a neighbour it kept: linked again all the same.
            case .reportingDead(let dead, _, _):
                reports.append((dead, at))
            case .registered:
                if registeredAt == nil { registeredAt = at }
                registrations.append(at)
            case .peerListening(let address, _):
                if listeningAt == nil { listeningAt = at }
                listenings.append(at)
                listenAddress = address
            default:
                break
            }
        }
    }
}

/// What the bench reads from a seed's log: when it listened, and when it registered and
/// removed each peer (the first time), and every removal with its reason (for the lab).
final class SeedLog {
    /// One removal (`removedDead`, `removedLeft`, `removedExpired`): the peer, when, and why (`dead`, `left`, `expired`).
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
            guard let record = EventParser.record(line), let at = clock.microseconds(ofLine: record.time[...]) else { return }
            lastLineAt = at
            switch record.event {
            case .peerRegistered(let peer, _, _):
                registrations.append((peer, at))
                if registered[peer] == nil { registered[peer] = at }
            case .removedDead(let peer, _, _): removal(peer, at: at, reason: "dead")
            case .removedLeft(let peer, _): removal(peer, at: at, reason: "left")
            case .removedExpired(let peer, _, _): removal(peer, at: at, reason: "expired")
            case .suspect:
                suspicions += 1
            case .seedListening(let address):
                if listeningAt == nil { listeningAt = at }
                listenings.append(at)
                listenAddress = address
            default:
                break
            }
        }
    }

    private func removal(_ peer: NodeAddress, at: Int64, reason: String) {
        removals.append(Removal(peer: peer, at: at, reason: reason))
        if removed[peer] == nil { removed[peer] = at }
    }
}
