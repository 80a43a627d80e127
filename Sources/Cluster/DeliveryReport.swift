import GossipCore
import GossipRuntime

/// The messages each peer created and received, read from the peers' own log files (the
/// `created` and `received` events): what the lab reckons its delivery from.
/// (`cluster` follows its peers' logs as they grow instead: `RunDelivery`, `RunProgress`.)
struct DeliveryReport {
    struct Row {
        var peer: NodeAddress
        var created: Set<GossipMessage>
        var received: Set<GossipMessage>
    }

    var rows: [Row]

    /// Reads each peer's log from the byte offset where this run began writing it.
    init(logs: [(peer: NodeAddress, path: String, offset: Int)]) {
        rows = logs.map { entry in
            var row = Row(peer: entry.peer, created: [], received: [])
            let text = (try? Files.read(entry.path)) ?? ""
            let utf8 = text.utf8
            let start = utf8.index(utf8.startIndex, offsetBy: min(entry.offset, utf8.count))
            LogLines.forEach(in: text[start...]) { line in
                switch EventParser.event(line) {
                case .received(let message, _, _)?: row.received.insert(message)
                case .created(let message, _)?: row.created.insert(message)
                default: break
                }
            }
            return row
        }
    }

    /// Every message created by a peer of this run.
    var allCreated: Set<GossipMessage> { rows.reduce(into: []) { $0.formUnion($1.created) } }
}
