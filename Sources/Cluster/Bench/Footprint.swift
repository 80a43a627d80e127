import Glibc
import GossipCore
import GossipRuntime

/// Scenario `footprint`: one seed and two quiet peers (`--messages 0`), idle for a while, once
/// at the default timings and once (fresh processes) at `--liveness-interval 1s`.
enum Footprint {
    /// One node's figures in one idle run.
    struct Node {
        var rssBytes: Int?
        /// CPU time over the idle window (`schedstat`, ns) per second of wall time, in ms/s.
        var cpuMsPerSecond: Double?
        /// From exec to ready: a seed to `Seed listening`, the second peer to both
        /// `Registered with` and `Linked with`.
        var startupMs: Double?
    }

    struct Run {
        var seed = Node()
        var peer = Node()
    }

    struct Result {
        var idle: Duration
        var defaults = Run()
        var fastLiveness = Run()
        var seedBinaryBytes: Int?
        var peerBinaryBytes: Int?
    }

    static func run(idle: Duration, context: BenchContext) throws(BenchError) -> Result {
        var result = Result(idle: idle)
        result.seedBinaryBytes = ProcessProbe.fileSize(context.binaries + "/seed")
        result.peerBinaryBytes = ProcessProbe.fileSize(context.binaries + "/peer")
        result.defaults = try measure(options: [], idle: idle, name: "footprint-default", context: context)
        result.fastLiveness = try measure(
            options: ["--liveness-interval", "1s"], idle: idle, name: "footprint-liveness-1s", context: context)
        return result
    }

    private static func measure(
        options: [String], idle: Duration, name: String, context: BenchContext
    ) throws(BenchError) -> Run {
        let net = try context.network(name)
        defer { net.stop() }
        // The seed is given the peers' liveness interval, as `cluster` and the lab give it.
        try net.startSeeds(1, options: options.starts(with: ["--liveness-interval"]) ? Array(options.prefix(2)) : [])
        let seed = net.seeds[0]
        try net.startPeer(["--messages", "0"] + options)
        let first = net.peers[0]
        _ = try context.interrupts.wait(upTo: .seconds(10)) { () throws(BenchError) -> Bool in
            try net.checkChildren()
            first.log.update()
            return first.log.registeredAt != nil
        }
        let peer = try net.startPeer(["--messages", "0"] + options)
        let ready = try context.interrupts.wait(upTo: .seconds(10), every: 2) { () throws(BenchError) -> Bool in
            try net.checkChildren()
            peer.log.update()
            return peer.log.registeredAt != nil && peer.log.firstLinkAt != nil
        }
        guard ready, let registered = peer.log.registeredAt, let linked = peer.log.firstLinkAt else {
            throw .failed("\(peer.process.name) did not register and link within 10 s")
        }
        var run = Run()
        run.peer.startupMs = Double(max(registered, linked) - peer.process.startedAt) / 1000
        seed.log.update()
        run.seed.startupMs = seed.log.listeningAt.map { Double($0 - seed.process.startedAt) / 1000 }
        // Past the start-up work, then the idle window.
        try context.interrupts.pause(milliseconds: 500)
        let seedCPU = ProcessProbe.cpuNanoseconds(seed.process.pid)
        let peerCPU = ProcessProbe.cpuNanoseconds(peer.process.pid)
        let start = SystemClock.monotonic()
        _ = try context.interrupts.wait(upTo: idle, every: 100) { () throws(BenchError) -> Bool in
            try net.checkChildren()
            return false
        }
        let seconds = (SystemClock.monotonic() - start).seconds
        func rate(_ before: Int64?, _ pid: pid_t) -> Double? {
            guard let before, let after = ProcessProbe.cpuNanoseconds(pid) else { return nil }
            return Double(after - before) / 1e6 / seconds
        }
        run.seed.cpuMsPerSecond = rate(seedCPU, seed.process.pid)
        run.peer.cpuMsPerSecond = rate(peerCPU, peer.process.pid)
        run.seed.rssBytes = ProcessProbe.residentBytes(seed.process.pid)
        run.peer.rssBytes = ProcessProbe.residentBytes(peer.process.pid)
        return run
    }
}
