import GossipCore
import GossipReport

/// Delivery of a `cluster` run, exact, from the peers' logs: to each LIVE peer, the messages
/// it should have. Those are every message created in the run by another peer, but for the
/// messages of a peer that went away (killed, say) only those that got out of it: that some
/// live peer received (the lab counts the same way, `LabReport`). A peer that is gone is listed
/// apart and not counted: a peer killed on purpose is not a delivery failure.
struct RunDelivery {
    struct Row {
        var peer: NodeAddress
        var delivered: Int
        var expected: Int
    }

    var rows: [Row] = []
    var gone: [(peer: NodeAddress, after: Duration, how: String)] = []
    var created = 0

    init(peers: [(address: NodeAddress, log: PeerLog, gone: (after: Duration, how: String)?)]) {
        let live = peers.filter { $0.gone == nil }
        gone = peers.compactMap { peer in peer.gone.map { (peer.address, $0.after, $0.how) } }
        var wanted: Set<String> = []
        for peer in peers {
            created += peer.log.created.count
            for message in peer.log.created
            where peer.gone == nil || live.contains(where: { $0.log.receipts[message.text] != nil }) {
                wanted.insert(message.text)
            }
        }
        rows = live.map { peer in
            let own = Set(peer.log.created.map(\.text))
            let expected = wanted.subtracting(own)
            let delivered = expected.reduce(0) { $0 + (peer.log.receipts[$1] != nil ? 1 : 0) }
            return Row(peer: peer.address, delivered: delivered, expected: expected.count)
        }
    }

    var delivered: Int { rows.reduce(0) { $0 + $1.delivered } }
    var expected: Int { rows.reduce(0) { $0 + $1.expected } }
    var isComplete: Bool { rows.allSatisfy { $0.delivered == $0.expected } }

    /// The report: a row per live peer (`perPeer`) or a summary with the incomplete ones, the
    /// total, and the peers that went away.
    func text(perPeer: Bool) -> String {
        var lines = [
            "Delivery to the \(rows.count) live peers (each: the messages the others created in the run; "
                + "\(created) created):"
        ]
        let incomplete = rows.filter { $0.delivered < $0.expected }
        if expected == 0 {
            // Nothing to list per peer.
        } else if perPeer {
            for row in rows {
                lines.append(
                    "  peer \(row.peer): \(row.delivered) of \(row.expected)"
                        + (row.delivered < row.expected ? "  <- incomplete" : ""))
            }
        } else {
            lines.append(
                "  \(rows.count - incomplete.count) peers complete, \(incomplete.count) incomplete (--per-peer: every peer's row)"
            )
            for row in incomplete.prefix(10) {
                lines.append("  peer \(row.peer): \(row.delivered) of \(row.expected)  <- incomplete")
            }
            if incomplete.count > 10 { lines.append("  ... and \(incomplete.count - 10) more incomplete") }
        }
        lines.append(
            "  all peers: \(DecimalText.grouped(delivered)) of \(DecimalText.grouped(expected)) (\(Self.percent(delivered, expected)))"
        )
        if !gone.isEmpty {
            lines.append("Gone during the run, not counted in delivery: \(gone.count) peer\(gone.count == 1 ? "" : "s")")
            for entry in gone.prefix(perPeer ? gone.count : 10) {
                lines.append("  peer \(entry.peer): exited (\(entry.how)) after \(ClusterRun.seconds(entry.after))")
            }
            if !perPeer && gone.count > 10 { lines.append("  ... and \(gone.count - 10) more") }
        }
        return lines.joined(separator: "\n")
    }

    /// `99.5 %`; `no messages` for 0 of 0 (which is not 100 %: nothing was measured).
    static func percent(_ part: Int, _ whole: Int) -> String {
        guard whole > 0 else { return "nothing measured" }
        return DecimalText.fixed(Double(part) * 100 / Double(whole), 1) + " %"
    }
}

/// The run's live figures, from the peers' logs as read so far: cheap enough to compute four
/// times a second for 300 peers (counts, not sets; `RunDelivery` is the exact reckoning).
struct RunProgress {
    var up = 0
    var total = 0
    var gone = 0
    var links = 0
    var created = 0
    var delivered = 0
    var expected = 0
    var deadReports = 0
    private var createdCounts: [Int] = []

    init(peers: [ClusterRun.Node], logs: [PeerLog]) {
        total = peers.count
        var wanted = 0
        for (node, log) in zip(peers, logs) {
            links += log.linkLines
            deadReports += log.reports.count
            created += log.created.count
            guard node.gone == nil else {
                gone += 1
                continue
            }
            if log.registeredAt != nil { up += 1 }
            wanted += log.created.count
            delivered += log.receipts.count
            createdCounts.append(log.created.count)
        }
        // A gone peer's messages count once some live peer has them.
        for (node, log) in zip(peers, logs) where node.gone != nil {
            for message in log.created
            where zip(peers, logs).contains(where: { $0.0.gone == nil && $0.1.receipts[message.text] != nil }) {
                wanted += 1
            }
        }
        expected = createdCounts.reduce(0) { $0 + (wanted - $1) }
        // Both ends log a link.
        links /= 2
    }

    func everyoneCreated(_ count: Int) -> Bool { createdCounts.allSatisfy { $0 >= count } }

    /// `12.3 s: 10 of 10 peers up, 3 seeds, 23 links, 35 messages created, 312 of 315 delivered (99.0 %), 0 dead reports`.
    func line(elapsed: Duration, seeds: Int) -> String {
        "\(ClusterRun.seconds(elapsed)): \(up) of \(total - gone) peers up" + (gone > 0 ? " (\(gone) gone)" : "")
            + ", \(seeds) seeds, \(links) links made, \(DecimalText.grouped(created)) messages created, "
            + "\(DecimalText.grouped(delivered)) of \(DecimalText.grouped(expected)) delivered (\(RunDelivery.percent(delivered, expected))), "
            + "\(deadReports) dead reports"
    }
}
