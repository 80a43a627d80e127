import Glibc
import GossipCore
import GossipRuntime

/// Scenario `detection`: 3 seeds and N peers at `--liveness-interval 1s --liveness-misses 3`.
/// Once the overlay has formed, one random live peer is SIGKILLed; the seeds that listed it
/// (their `Registered peer` lines) are watched for `Removed peer <addr>: dead`. The same network is
/// used for every run, a different peer killed each time, after the overlay has settled again.
enum Detection {
    struct Kill {
        var peer: NodeAddress
        /// Seeds that had registered it.
        var listedBy: Int
        /// Seconds from the kill to the first and the last of those seeds dropping it; nil when
        /// none (first) or not all (last) did within the deadline.
        var first: Double?
        var last: Double?
    }

    struct Result {
        var peers: Int
        var kills: [Kill] = []
        /// Live peers some seed removed (false deaths), over the whole scenario.
        var falseRemovals = 0
    }

    static let interval = 1
    static let misses = 3

    static func run(peers count: Int, kills: Int, context: BenchContext) throws(BenchError) -> Result {
        let start = SystemClock.monotonic()
        let net = try context.network("detection")
        defer { net.stop() }
        try net.startSeeds(3, options: ["--liveness-interval", "\(interval)s"])
        let options = ["--messages", "0", "--liveness-interval", "\(interval)s", "--liveness-misses", "\(misses)"]
        for _ in 0..<count { try net.startPeer(options) }
        try net.awaitOverlay(limit: .seconds(20) + .milliseconds(100 * count))
        context.progress(
            "detection: 3 seeds and \(count) peers started and linked in \(BenchFormat.seconds(SystemClock.monotonic() - start))"
        )
        var result = Result(peers: count)
        var killed: Set<NodeAddress> = []
        let deadline = Duration.seconds(interval * (misses + 1) + 10)
        for _ in 0..<min(kills, count - 1) {
            net.updateSeeds()
            guard let victim = net.livePeers.randomElement() else { break }
            let listing = net.seeds.filter { $0.log.registered[victim.address] != nil }
            let killedAt = net.kill(victim)
            killed.insert(victim.address)
            _ = try context.interrupts.wait(upTo: deadline, every: 20) { () throws(BenchError) -> Bool in
                try net.checkChildren()
                net.updateSeeds()
                return listing.allSatisfy { $0.log.removed[victim.address] != nil }
            }
            let times = listing.compactMap { $0.log.removed[victim.address] }.map { Double($0 - killedAt) / 1e6 }
            result.kills.append(
                Kill(
                    peer: victim.address, listedBy: listing.count, first: times.min(),
                    last: times.count == listing.count && !listing.isEmpty ? times.max() : nil))
            // The dead peer's neighbours link to others; let the overlay settle before the next.
            try net.settle(quiet: .milliseconds(500), limit: .seconds(5))
        }
        net.updateSeeds()
        for seed in net.seeds {
            result.falseRemovals += seed.log.removed.keys.filter { !killed.contains($0) }.count
        }
        return result
    }
}
