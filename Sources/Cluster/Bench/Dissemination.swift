import GossipCore
import GossipRuntime

/// Scenario `dissemination`: 3 seeds and N quiet peers (`--messages 0`); once the overlay has
/// formed, K broadcasts one at a time, each from a random peer through its standard input
/// (`broadcast`), each followed through every peer's log.
enum Dissemination {
    struct Result {
        var peers: Int
        var broadcasts: Int
        /// (message, peer) pairs delivered, out of `expected` (each broadcast to every other peer).
        var delivered = 0
        var expected = 0
        /// Coverage latency of each broadcast that reached every peer within the deadline, ms.
        var latenciesMs: [Double] = []
        /// Broadcasts that did not reach every peer within the deadline.
        var incomplete = 0
        /// Depth of each receipt in the tree of first receipts (origin 0).
        var hops: [Int] = []
        /// Copies sent per broadcast: the origin's `sent to N` plus every `forwarded to N`.
        var copies: [Int] = []

        var delivery: Double { expected == 0 ? 1 : Double(delivered) / Double(expected) }
        var p50: Double? { Statistics.percentile(latenciesMs, 50) }
        var p99: Double? { Statistics.percentile(latenciesMs, 99) }
        var max: Double? { latenciesMs.max() }
        var meanHops: Double? { Statistics.mean(hops.map(Double.init)) }
        var messagesPerBroadcast: Double? { Statistics.mean(copies.map(Double.init)) }
    }

    static let seeds = 3
    static let deadline = Duration.seconds(10)

    static func run(peers count: Int, broadcasts: Int, context: BenchContext) throws(BenchError) -> Result {
        let start = SystemClock.monotonic()
        let net = try context.network("dissemination-\(count)")
        defer { net.stop() }
        try net.startSeeds(seeds)
        for _ in 0..<count { try net.startPeer(["--messages", "0"], withInput: true) }
        try net.awaitOverlay(limit: .seconds(20) + .milliseconds(100 * count))
        context.progress(
            "dissemination: \(seeds) seeds and \(count) peers started and linked in \(BenchFormat.seconds(SystemClock.monotonic() - start))"
        )
        var result = Result(peers: count, broadcasts: broadcasts)
        let byAddress = Dictionary(uniqueKeysWithValues: net.peers.map { ($0.address, $0.log) })
        for _ in 0..<broadcasts {
            let origin = net.peers.randomElement()!
            let before = origin.log.created.count
            guard origin.process.send("broadcast\n") else { throw .failed("cannot write to the input of \(origin.process.name)") }
            var created: PeerLog.Created?
            _ = try context.interrupts.wait(upTo: deadline, every: 10) { () throws(BenchError) -> Bool in
                try net.checkChildren()
                net.updatePeers()
                if created == nil, origin.log.created.count > before { created = origin.log.created[before] }
                guard let created else { return false }
                return net.peers.allSatisfy { $0.address == origin.address || $0.log.receipts[created.text] != nil }
            }
            result.expected += count - 1
            guard let created else {
                result.incomplete += 1
                continue
            }
            let receipts = net.peers.compactMap { $0.address == origin.address ? nil : $0.log.receipts[created.text] }
            result.delivered += receipts.count
            if receipts.count == count - 1 {
                let last = receipts.map(\.at).max() ?? created.at
                result.latenciesMs.append(Double(last - created.at) / 1000)
            } else {
                result.incomplete += 1
            }
            result.copies.append(created.sentTo + receipts.reduce(0) { $0 + $1.forwarded })
            result.hops += depths(of: created.text, from: origin.address, in: byAddress)
            // Let the last duplicates of this flood die down before the next one.
            try context.interrupts.pause(milliseconds: 50)
        }
        return result
    }

    /// The depth of every receipt of `message` in the tree of first receipts, where a peer's
    /// parent is the neighbour it first received the message from.
    static func depths(of message: String, from origin: NodeAddress, in logs: [NodeAddress: PeerLog]) -> [Int] {
        var known: [NodeAddress: Int] = [origin: 0]
        func depth(_ peer: NodeAddress) -> Int? {
            var chain: [NodeAddress] = []
            var current = peer
            while known[current] == nil {
                guard chain.count <= logs.count, let from = logs[current]?.receipts[message]?.from else { return nil }
                chain.append(current)
                current = from
            }
            var value = known[current]!
            for node in chain.reversed() {
                value += 1
                known[node] = value
            }
            return known[peer]
        }
        return logs.keys.filter { $0 != origin && logs[$0]?.receipts[message] != nil }.compactMap(depth)
    }
}
