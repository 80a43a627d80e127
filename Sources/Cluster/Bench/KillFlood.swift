import Glibc
import GossipCore
import GossipRuntime

/// Scenario `killflood`: write-ahead logging at full speed. A release peer relays the
/// throughput scenario's flood (4 links played by the bench: 1 sends unique gossip as fast as
/// the peer takes it, 3 count and record what it forwards) and is SIGKILLed in the middle of
/// it, `kills` times, a fresh peer each time. After each kill, every message a neighbour
/// received from the peer must be in the peer's log (a `received` event): the log is written
/// before the sockets, so nothing can be forwarded that the log does not have. The debug-build
/// test (`BoundedWorkTests`) makes the same check at a few thousand messages a second; this is
/// the check at the rate the target is set for.
enum KillFlood {
    struct Kill {
        /// Messages the peer took in before it died: the most any counting neighbour received.
        var forwarded = 0
        /// Messages a neighbour received that the log does not have (the figure that must be 0).
        var missing = 0
        var firstMissing: Int?
        /// From the first byte sent to the kill.
        var seconds = 0.0
        /// Messages forwarded before `warmUp` into the flood (the peer's turns start small and
        /// grow, and TCP's windows open): the rate is what the flood reached after it.
        var forwardedAtWarmUp = 0
        var inPerSecond: Double {
            let window = seconds - KillFlood.warmUp.seconds
            return window > 0 ? Double(forwarded - forwardedAtWarmUp) / window : 0
        }
    }

    struct Result {
        var kills: [Kill] = []
        var problems: [String] = []

        var forwarded: Int { kills.reduce(0) { $0 + $1.forwarded } }
        var missing: Int { kills.reduce(0) { $0 + $1.missing } }
        /// The kills that found a message forwarded but not logged.
        var killsWithMissing: Int { kills.filter { $0.missing > 0 }.count }
        var medianInPerSecond: Double? { Statistics.percentile(kills.map(\.inPerSecond), 50) }
        var lowestInPerSecond: Double? { kills.map(\.inPerSecond).min() }
    }

    /// How long the flood runs before the kill: a little longer each kill, round five steps, so
    /// the kill lands at different points of the peer's turns.
    static func floodTime(kill: Int) -> Duration { .milliseconds(600 + 100 * (kill % 5)) }
    /// The start of the flood left out of its rate.
    static let warmUp = Duration.milliseconds(200)

    static func run(kills: Int, context: BenchContext) throws(BenchError) -> Result {
        let net = try context.network("killflood")
        defer { net.stop() }
        try net.startSeeds(1)
        var result = Result()
        for number in 0..<kills {
            let kill = try killOnce(number, net: net, context: context, problems: &result.problems)
            if kill.missing > 0 {
                context.progress(
                    "killflood: kill \(number + 1): \(kill.missing) of \(kill.forwarded) forwarded messages not in the log (Msg# \(kill.firstMissing ?? 0) first)"
                )
            }
            result.kills.append(kill)
        }
        return result
    }

    private static func killOnce(
        _ number: Int, net: BenchNetwork, context: BenchContext, problems: inout [String]
    ) throws(BenchError) -> Kill {
        let peer = try net.startPeer(["--messages", "0"])
        defer { unlink(peer.log.tail.path) }  // Tens of MB each; what counts is read below.
        try net.awaitOverlay(limit: .seconds(10), quiet: .milliseconds(100))
        let neighbours = try PlayedNeighbour.link(4, to: peer, context: context)
        for counter in neighbours[1...] { counter.recordsSequences = true }
        var kill = Kill()
        (kill.seconds, kill.forwardedAtWarmUp) = try flood(neighbours, for: floodTime(kill: number), context: context) {
            _ = net.kill(peer)
        }
        // What the peer wrote before it died is in the sockets' buffers: read to the end.
        try drain(Array(neighbours[1...]), context: context)
        let logged = loggedSequences(path: peer.log.tail.path)
        var missing = Set<Int>()
        for counter in neighbours[1...] {
            kill.forwarded = max(kill.forwarded, counter.sequences.count)
            for sequence in counter.sequences where sequence >= logged.count || !logged[sequence] {
                missing.insert(sequence)
            }
        }
        kill.missing = missing.count
        kill.firstMissing = missing.min()
        for (index, neighbour) in neighbours.enumerated() {
            for line in neighbour.otherLines { problems.append("kill \(number + 1), link \(index + 1) got '\(line.prefix(120))'") }
        }
        return kill
    }

    /// Sends the flood for `duration`, reading what comes back, then calls `kill` (still
    /// sending up to that moment). Returns the seconds from the first byte sent to the kill,
    /// and the messages forwarded to a counting neighbour by the end of the warm-up.
    private static func flood(
        _ neighbours: [PlayedNeighbour], for duration: Duration, context: BenchContext, kill: () -> Void
    ) throws(BenchError) -> (Double, Int) {
        var atWarmUp: Int?
        let sender = neighbours[0]
        var source = GossipSource()
        var fds = neighbours.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: context.interrupts.fileDescriptor, events: Int16(POLLIN), revents: 0))
        fds[0].events |= Int16(POLLOUT)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 8)
        defer { buffer.deallocate() }
        let start = SystemClock.monotonic()
        while SystemClock.monotonic() - start < duration && source.linesSent < Throughput.maxLines {
            _ = poll(&fds, nfds_t(fds.count), 50)
            if fds[4].revents != 0 { try context.interrupts.check() }
            if fds[0].revents & Int16(POLLOUT) != 0 {
                guard source.write(to: sender.fd, answers: &sender.answers) else {
                    throw .failed("writing to the peer failed: \(String(cString: strerror(errno)))")
                }
            }
            for (index, neighbour) in neighbours.enumerated() where fds[index].revents != 0 {
                _ = neighbour.receive(into: buffer)
                if neighbour.closedReason != nil { fds[index].fd = -1 }
            }
            for counter in neighbours[1...] { counter.flushAnswers() }
            if atWarmUp == nil && SystemClock.monotonic() - start >= warmUp {
                atWarmUp = neighbours[1...].map(\.gossipLines).max() ?? 0
            }
        }
        kill()
        return ((SystemClock.monotonic() - start).seconds, atWarmUp ?? 0)
    }

    /// Reads the counting neighbours until the dead peer's sockets end, 5 s at most.
    private static func drain(_ counters: [PlayedNeighbour], context: BenchContext) throws(BenchError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 8)
        defer { buffer.deallocate() }
        let ended = try context.interrupts.wait(upTo: .seconds(5), every: 5) { () -> Bool in
            for counter in counters where counter.closedReason == nil { _ = counter.receive(into: buffer) }
            return counters.allSatisfy { $0.closedReason != nil }
        }
        if !ended { throw .failed("the killed peer's links did not end within 5 s") }
    }

    /// The `Msg#` of every message the log says was received from the bench's origin (its
    /// `received` events), as a table indexed by `Msg#`. A torn last line (the kill in the
    /// middle of a write) has no newline and is skipped.
    static func loggedSequences(path: String) -> [Bool] {
        var logged: [Bool] = []
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return logged }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        // At most 1 GiB: far more than a kill's few hundred thousand lines.
        while data.count < 1 << 30 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        // `received` events (`EventParser`) of messages from the bench's origin; a torn last
        // line (no newline) is left out by `LogLines`.
        let text = String(decoding: data, as: UTF8.self)
        LogLines.forEach(in: text[...]) { line in
            guard case .received(let message, _, _)? = EventParser.event(line), message.origin.description == GossipSource.origin
            else { return }
            let sequence = message.sequence
            guard sequence >= 0, sequence < Throughput.maxLines else { return }
            if sequence >= logged.count { logged += repeatElement(false, count: max(sequence + 1 - logged.count, logged.count)) }
            logged[sequence] = true
        }
        return logged
    }
}
