import Testing

@testable import GossipCore

/// docs/PROTOCOL.md, "Message log": deduplication is exact and cannot be evicted.
@Suite("Exact deduplication")
struct ExactDeduplicationTests {
    let origin = addr("127.0.0.1:6009")

    func message(_ sequence: Int, at ms: Int64, from origin: NodeAddress? = nil) -> GossipMessage {
        gossip(sequence, at: ms, from: origin ?? self.origin)
    }

    @Test("a restarted origin counts from Msg# 1 again with later timestamps: its new messages are new")
    func restartedOriginDelivered() {
        var log = MessageLog()
        for k in 1...10 { #expect(log.insert(message(k, at: Int64(k) * 100), now: at(1_000)) == .new) }
        // The origin restarts at 5 s: Msg# 1, 2, ... again.
        for k in 1...10 { #expect(log.insert(message(k, at: 5_000 + Int64(k) * 100), now: at(6_000)) == .new) }
        // Both runs' messages are duplicates from now on, in any order.
        for k in (1...10).reversed() {
            #expect(log.insert(message(k, at: Int64(k) * 100), now: at(7_000)) == .duplicate)
            #expect(log.insert(message(k, at: 5_000 + Int64(k) * 100), now: at(7_000)) == .duplicate)
        }
    }

    @Test("an earlier run's messages arriving after the new run's are new once, then duplicates")
    func earlierRunLate() {
        var log = MessageLog()
        #expect(log.insert(message(1, at: 5_000), now: at(6_000)) == .new)
        #expect(log.insert(message(2, at: 5_100), now: at(6_000)) == .new)
        #expect(log.insert(message(7, at: 700), now: at(6_000)) == .new, "Msg# 7 of the earlier run")
        #expect(log.insert(message(3, at: 300), now: at(6_000)) == .new, "Msg# 3 of the earlier run")
        #expect(log.insert(message(7, at: 700), now: at(6_000)) == .duplicate)
        #expect(log.insert(message(3, at: 300), now: at(6_000)) == .duplicate)
        #expect(log.insert(message(3, at: 5_300), now: at(6_000)) == .new, "Msg# 3 of the new run")
    }

    /// Issue 11: a message timestamped 300 s ahead was never stale and came back after 615 s.
    @Test("a message timestamped beyond the clock-skew bound is refused; within it, taken once")
    func futureRefused() {
        var log = MessageLog(maxClockSkew: .seconds(30))
        #expect(log.insert(message(1, at: 300_000), now: at(0)) == .future)
        #expect(log.insert(message(2, at: 30_000), now: at(0)) == .new)
        #expect(log.insert(message(2, at: 30_000), now: at(0)) == .duplicate)
        #expect(log.insert(message(2, at: 30_000), now: at(615_000)) == .duplicate)
        #expect(log.insert(message(2, at: 30_000), now: at(631_000)) == .stale)
    }

    @Test("a stale origin's record is dropped, and its messages stay refused as stale")
    func prunedStaysStale() {
        var log = MessageLog(retention: .seconds(60))
        _ = log.insert(message(1, at: 0), now: at(0))
        log.expire(now: at(61_000))
        #expect(log.originCount == 0)
        #expect(log.insert(message(1, at: 0), now: at(61_000)) == .stale)
        // Even with the wall clock set back: the stale line never moves back.
        #expect(log.insert(message(1, at: 0), now: at(30_000)) == .stale)
    }

    @Test("past the origin cap, the oldest origin is forgotten and its messages cannot come back")
    func originCap() {
        var log = MessageLog(maxOrigins: 2)
        let a = addr("127.0.0.1:7001"), b = addr("127.0.0.1:7002"), c = addr("127.0.0.1:7003")
        #expect(log.insert(message(1, at: 100, from: a), now: at(1_000)) == .new)
        #expect(log.insert(message(1, at: 200, from: b), now: at(1_000)) == .new)
        #expect(log.insert(message(1, at: 300, from: c), now: at(1_000)) == .new)
        #expect(log.originCount == 2)
        #expect(
            log.insert(message(1, at: 100, from: a), now: at(1_000)) == .stale, "a's record is gone: its old message is refused")
        #expect(log.insert(message(2, at: 900, from: a), now: at(1_000)) == .new, "a's newer messages are taken")
    }

    @Test("at most four runs are kept per origin; an older one is refused, never taken twice")
    func runCap() {
        var log = MessageLog()
        for run in 0..<6 {
            #expect(log.insert(message(1, at: Int64(run) * 1_000), now: at(10_000)) == .new)
        }
        #expect(log.insert(message(1, at: 0), now: at(10_000)) == .stale)
        #expect(log.insert(message(1, at: 5_000), now: at(10_000)) == .duplicate)
    }

    @Test("a message more than 256 numbers behind its origin's newest is refused, as a duplicate")
    func farBehind() {
        var log = MessageLog()
        #expect(log.insert(message(1_000, at: 1_000), now: at(2_000)) == .new)
        #expect(log.insert(message(800, at: 800), now: at(2_000)) == .new)
        #expect(log.insert(message(700, at: 700), now: at(2_000)) == .duplicate)
    }

    @Test("IPv4-mapped IPv6 and IPv4 are one origin")
    func mappedOrigin() throws {
        var log = MessageLog()
        let mapped = try NodeAddress(parsing: "[::ffff:127.0.0.1]:6009")
        #expect(log.insert(message(1, at: 0), now: at(0)) == .new)
        #expect(log.insert(message(1, at: 0, from: mapped), now: at(0)) == .duplicate)
    }
}

@Suite("Sequence window")
struct SequenceWindowTests {
    func mark(_ window: inout SequenceWindow, _ number: Int) -> Bool { window.mark(number) }

    @Test("numbers in order join the floor; each is new once")
    func inOrder() {
        var window = SequenceWindow()
        for n in 1...1_000 {
            #expect(mark(&window, n))
            #expect(!mark(&window, n))
        }
        #expect(window.floor == 1_000)
    }

    @Test("numbers out of order within the window are each new once")
    func outOfOrder() {
        var window = SequenceWindow()
        var rng = SeededRandom(seed: 3)
        let numbers = Array(1...256).shuffled(using: &rng)
        for n in numbers { #expect(mark(&window, n)) }
        for n in numbers { #expect(!mark(&window, n)) }
        #expect(window.floor == 256)
    }

    @Test("a jump past the window slides it; what it leaves behind counts as seen")
    func jump() {
        var window = SequenceWindow()
        #expect(mark(&window, 2))
        #expect(mark(&window, 1_000))
        #expect(window.contains(700))
        #expect(!mark(&window, 700))
        #expect(!window.contains(900))
        #expect(mark(&window, 900))
        #expect(window.contains(2))
    }
}
