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
    private(set) var created: [Created] = []
    /// The first receipt of each message, by the message's text.
    private(set) var receipts: [String: Receipt] = [:]

    init(path: String) { tail = LogTail(path: path) }

    /// Reads the lines written since the last update.
    func update() {
        tail.readLines { line in
            guard let event = LogText.event(inLogLine: line), let at = clock.microseconds(ofLine: line) else { return }
            if let receipt = LogText.receipt(inEvent: event) {
                guard receipts[receipt.message.text] == nil else { return }
                receipts[receipt.message.text] = Receipt(at: at, from: receipt.from, forwarded: receipt.forwarded)
            } else if let creation = LogText.creation(inEvent: event) {
                created.append(Created(text: creation.message.text, at: at, sentTo: creation.sentTo))
            } else if event.hasPrefix("Linked with peer ") {
                linkLines += 1
                if firstLinkAt == nil { firstLinkAt = at }
            } else if event.hasPrefix("Registered with ") {
                if registeredAt == nil { registeredAt = at }
            } else if event.hasPrefix("Peer listening on ") {
                if listeningAt == nil { listeningAt = at }
            }
        }
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
/// removed each peer (the first time).
final class SeedLog {
    let tail: LogTail
    private var clock = LogTime()
    private(set) var listeningAt: Int64?
    private(set) var registered: [NodeAddress: Int64] = [:]
    private(set) var removed: [NodeAddress: Int64] = [:]

    init(path: String) { tail = LogTail(path: path) }

    func update() {
        tail.readLines { line in
            guard let event = LogText.event(inLogLine: line), let at = clock.microseconds(ofLine: line) else { return }
            if event.hasPrefix("Registered peer ") {
                if let peer = PeerLog.address(after: "Registered peer ", in: event), registered[peer] == nil {
                    registered[peer] = at
                }
            } else if event.hasPrefix("Removed dead peer ") {
                if let peer = PeerLog.address(after: "Removed dead peer ", in: event), removed[peer] == nil {
                    removed[peer] = at
                }
            } else if event.hasPrefix("Seed listening on ") {
                if listeningAt == nil { listeningAt = at }
            }
        }
    }
}
