import GossipCore
import GossipRuntime

/// How many messages each peer received out of how many the others sent, read from the
/// peers' own log files (the `Created message` and `Received` lines).
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
            LogText.forEachLine(in: text[start...]) { line in
                guard let event = LogText.event(inLogLine: line) else { return }
                if let message = LogText.receivedMessage(inEvent: event) {
                    row.received.insert(message)
                } else if let message = LogText.createdMessage(inEvent: event) {
                    row.created.insert(message)
                }
            }
            return row
        }
    }

    /// Every message created by a peer of this run.
    var allCreated: Set<GossipMessage> { rows.reduce(into: []) { $0.formUnion($1.created) } }

    /// For each peer: (received from others, sent by others).
    var perPeer: [(peer: NodeAddress, received: Int, expected: Int)] {
        let all = allCreated
        return rows.map { row in
            let expected = all.subtracting(row.created)
            return (row.peer, row.received.intersection(expected).count, expected.count)
        }
    }

    var isComplete: Bool { perPeer.allSatisfy { $0.received == $0.expected } }

    var totals: (received: Int, expected: Int) {
        perPeer.reduce(into: (0, 0)) {
            $0.0 += $1.received; $0.1 += $1.expected
        }
    }

    func table() -> String {
        var lines = ["Delivery (messages received out of those sent by the other peers):"]
        for entry in perPeer {
            let mark = entry.received == entry.expected ? "" : "  <- incomplete"
            lines.append("  peer \(entry.peer): \(entry.received) of \(entry.expected)\(mark)")
        }
        let (received, expected) = totals
        let percent = expected == 0 ? 100.0 : Double(received) * 100 / Double(expected)
        lines.append("  all peers: \(received) of \(expected) (\(formatPercent(percent)))")
        return lines.joined(separator: "\n")
    }

    private func formatPercent(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) %"
    }
}
