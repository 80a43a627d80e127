import Glibc
import GossipCore
import GossipRuntime

/// Scenario `throughput`: one seed, one peer under test, and 4 neighbours played by the bench
/// over TCP (4 inbound links of the peer). The first sends unique gossip lines as fast as the
/// peer takes them for the duration; the other 3 count what the peer forwards. One thread, one
/// `poll` loop over the 4 sockets and the signal pipe.
enum Throughput {
    struct Result {
        var duration: Duration
        /// Complete gossip lines the sender wrote.
        var sent = 0
        /// Distinct messages the peer accepted: the most lines any counting neighbour received
        /// (each accepted message is forwarded to all 3), counted after the send window until
        /// they stop arriving, so none is still in flight.
        var accepted = 0
        /// Lines received by the 3 counting neighbours together.
        var forwarded = 0
        /// From the first byte sent to the last forwarded line received.
        var seconds = 0.0
        /// The peer's user + system CPU time over those seconds (`/proc/<pid>/stat`).
        var peerCPUSeconds = 0.0
        var peakRSSBytes: Int?
        /// What the bench alone could make, and how busy it was.
        var generationPerSecond = 0.0
        var benchCPUFraction = 0.0
        var fullWriteFraction = 0.0
        var problems: [String] = []

        var inPerSecond: Double { seconds > 0 ? Double(accepted) / seconds : 0 }
        var outPerSecond: Double { seconds > 0 ? Double(forwarded) / seconds : 0 }
        var cpuSecondsPerMillion: Double? { accepted > 0 ? peerCPUSeconds / (Double(accepted) / 1e6) : nil }
        /// The peer's CPU time over the measured seconds: near 1, it was the bottleneck.
        var peerCPUFraction: Double { seconds > 0 ? peerCPUSeconds / seconds : 0 }
    }

    /// A bound on the lines sent, whatever the duration (about 60 s at the target rate).
    static let maxLines = 30_000_000

    static func run(for duration: Duration, context: BenchContext) throws(BenchError) -> Result {
        let net = try context.network("throughput")
        defer { net.stop() }
        try net.startSeeds(1)
        let peer = try net.startPeer(["--messages", "0"])
        try net.awaitOverlay(limit: .seconds(10), quiet: .milliseconds(100))
        let neighbours = try PlayedNeighbour.link(4, to: peer, context: context)
        var result = Result(duration: duration)
        result.generationPerSecond = GossipSource.generationRate(for: .milliseconds(300))
        context.progress(
            "throughput: 4 links up; the bench alone makes \(BenchFormat.count(result.generationPerSecond)) lines/s; sending for \(BenchFormat.seconds(duration))"
        )
        try pump(neighbours, peer: peer.process.pid, for: duration, into: &result, context: context)
        result.peakRSSBytes = ProcessProbe.peakResidentBytes(peer.process.pid)
        for (index, neighbour) in neighbours.enumerated() {
            if let reason = neighbour.closedReason { result.problems.append("link \(index + 1): \(reason)") }
            for line in neighbour.otherLines { result.problems.append("link \(index + 1) got '\(line.prefix(120))'") }
        }
        try net.checkChildren()
        return result
    }

    /// The send window, then the drain: until the counters have every line sent, or nothing
    /// has come for 500 ms while the peer was idle, or 15 s have passed. Idle, not only quiet:
    /// a debug peer on a loaded machine spends seconds on one turn of its loop (thousands of
    /// lines read, forwarded only when the turn ends), so quiet alone ended the drain before
    /// its first forwarded line and counted nothing accepted.
    private static func pump(
        _ neighbours: [PlayedNeighbour], peer pid: pid_t, for duration: Duration, into result: inout Result,
        context: BenchContext
    ) throws(BenchError) {
        let sender = neighbours[0]
        let counters = Array(neighbours[1...])
        var source = GossipSource()
        var fds = neighbours.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: context.interrupts.fileDescriptor, events: Int16(POLLIN), revents: 0))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 8)
        defer { buffer.deallocate() }

        let peerCPUAtStart = ProcessProbe.cpuSecondsFromStat(pid) ?? 0
        let ownCPUAtStart = ProcessProbe.ownCPUSeconds()
        let start = SystemClock.monotonic()
        let sendEnd = start + duration
        let drainLimit = sendEnd + .seconds(15)
        var lastLineAt = start
        // When the peer was last seen working without a line coming (its CPU time advancing), and
        // its CPU time then.
        var lastBusyAt = start
        var peerCPUChecked = ProcessProbe.cpuNanoseconds(pid) ?? 0
        var sending = true
        while true {
            let now = SystemClock.monotonic()
            if sending && (now >= sendEnd || source.linesSent >= maxLines) { sending = false }
            if !sending {
                let allIn = counters.allSatisfy { $0.gossipLines >= source.linesSent || $0.closedReason != nil }
                if allIn || now >= drainLimit { break }
                if now - max(lastLineAt, lastBusyAt) >= .milliseconds(500) {
                    // Quiet for 500 ms: done, unless the peer used more than 4 % of a core since the
                    // last look (it is still working through what it was sent).
                    let cpu = ProcessProbe.cpuNanoseconds(pid) ?? peerCPUChecked
                    if cpu - peerCPUChecked < 20_000_000 { break }
                    peerCPUChecked = cpu
                    lastBusyAt = now
                }
            }
            fds[0].events = Int16(POLLIN) | (sending ? Int16(POLLOUT) : 0)
            _ = poll(&fds, nfds_t(fds.count), 50)
            if fds[4].revents != 0 { try context.interrupts.check() }
            if sending && fds[0].revents & Int16(POLLOUT) != 0 {
                guard source.write(to: sender.fd, answers: &sender.answers) else {
                    throw .failed("writing to the peer failed: \(String(cString: strerror(errno)))")
                }
            }
            for (index, neighbour) in neighbours.enumerated() where fds[index].revents != 0 {
                if neighbour.receive(into: buffer) > 0 { lastLineAt = SystemClock.monotonic() }
                if neighbour.closedReason != nil { fds[index].fd = -1 }  // poll skips it from now on
            }
            // The sender's own answers go out between whole lines of its batches (`refill`);
            // after the window its last line may be unfinished, so they are left unsent.
            for counter in counters { counter.flushAnswers() }
        }
        let elapsed = (lastLineAt - start).seconds
        result.sent = source.linesSent
        result.accepted = counters.map(\.gossipLines).max() ?? 0
        result.forwarded = counters.reduce(0) { $0 + $1.gossipLines }
        result.seconds = elapsed
        result.peerCPUSeconds = (ProcessProbe.cpuSecondsFromStat(pid) ?? peerCPUAtStart) - peerCPUAtStart
        let wall = (SystemClock.monotonic() - start).seconds
        result.benchCPUFraction = wall > 0 ? (ProcessProbe.ownCPUSeconds() - ownCPUAtStart) / wall : 0
        result.fullWriteFraction = source.writes > 0 ? Double(source.fullWrites) / Double(source.writes) : 0
        if result.accepted < result.sent {
            result.problems.append(
                "\(result.sent - result.accepted) of \(result.sent) lines sent were not forwarded to every counting neighbour")
        }
    }
}
