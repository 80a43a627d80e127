import Testing

@testable import GossipCore

/// Repeated errors from one source are summarised, not logged one by one (issue 11: the log
/// grew 40 bytes per byte of garbage).
@Suite("Error log limiter")
struct ErrorLogLimiterTests {
    typealias Limiter = ErrorLogLimiter<String>

    static func instant(_ ms: Int64) -> Instant { Instant(nanoseconds: ms * 1_000_000) }

    @Test("the first errors of a source in a period are logged in full, the rest only counted")
    func burstThenCounted() {
        var limiter = Limiter(burst: 3, interval: .seconds(10))
        let verdicts = (0..<5).map { limiter.admit("a", now: Self.instant(Int64($0))) }
        #expect(verdicts == [true, true, true, false, false])
        let other = limiter.admit("b", now: Self.instant(5))
        #expect(other, "another source has a burst of its own")
    }

    @Test("when the period ends, each source that went over gets one summary with the count left out")
    func summaryPerSourceAtPeriodEnd() {
        var limiter = Limiter(burst: 2, interval: .seconds(10))
        for _ in 0..<7 { _ = limiter.admit("a", now: Self.instant(100)) }
        for _ in 0..<2 { _ = limiter.admit("b", now: Self.instant(200)) }
        for _ in 0..<3 { _ = limiter.admit("c", now: Self.instant(300)) }
        #expect(limiter.summaryDue == Self.instant(10_000))
        let early = limiter.summaries(now: Self.instant(9_999))
        #expect(early.isEmpty, "not before the period ends")
        let due = limiter.summaries(now: Self.instant(10_000))
        #expect(due == [.init(source: "a", suppressed: 5), .init(source: "c", suppressed: 1)])
        let again = limiter.summaries(now: Self.instant(10_001))
        #expect(again.isEmpty, "each summary once")
        #expect(limiter.summaryDue == nil)
    }

    @Test("nothing is due while nothing was left out")
    func nothingDueWithinBurst() {
        var limiter = Limiter(burst: 5, interval: .seconds(1))
        for _ in 0..<5 { _ = limiter.admit("a", now: Self.instant(0)) }
        #expect(limiter.summaryDue == nil)
        let summaries = limiter.summaries(now: Self.instant(5_000))
        #expect(summaries.isEmpty)
    }

    @Test("a new period starts with a fresh burst, and the old period's summary is kept until asked for")
    func freshBurstNextPeriod() {
        var limiter = Limiter(burst: 1, interval: .seconds(1))
        let verdicts = [0, 10, 1_500].map { limiter.admit("a", now: Self.instant($0)) }
        #expect(verdicts == [true, false, true], "a fresh burst in the next period")
        #expect(limiter.summaryDue.map { $0 <= Self.instant(1_500) } == true, "the old period's summary is due at once")
        let summaries = limiter.summaries(now: Self.instant(1_500))
        #expect(summaries == [.init(source: "a", suppressed: 1)])
    }

    @Test("past maxSources, new sources are counted together, and summarised as one")
    func boundedSources() {
        var limiter = Limiter(burst: 1, interval: .seconds(1), maxSources: 2)
        let verdicts = ["a", "b", "c", "d", "e", "f", "a"].map { limiter.admit($0, now: Self.instant(0)) }
        #expect(verdicts == [true, true, true, false, false, false, false], "past a and b, the others share one burst")
        let summaries = limiter.summaries(now: Self.instant(1_000))
        #expect(summaries == [.init(source: "a", suppressed: 1), .init(source: nil, suppressed: 3)])
    }
}

/// Seeds and peers: bad lines from one host are logged up to the burst, then summarised; a
/// connection that sends nothing but refused lines is closed (docs/PROTOCOL.md, "Errors").
@Suite("Bad input")
struct BadInputTests {
    static let closeAfter = BadInput().closeAfter

    /// A seed with one connection from 127.0.0.1:40000.
    static func seed() -> (SeedProtocol, ConnectionID) {
        var seed = SeedProtocol(address: addr("127.0.0.1:5001"), rng: SeededRandom(seed: 1))
        let id = ConnectionID(.inbound, 1)
        _ = seed.handle(.accepted(id, remote: addr("127.0.0.1:40000")), now: at(0))
        return (seed, id)
    }

    @Test("a seed logs the first 10 bad lines from a host in full, answers every one, and summarises the rest")
    func seedSummarises() {
        var (seed, _) = Self.seed()
        var logged: [NodeEvent] = []
        var answers = 0
        // 5 connections from one host, 8 bad lines each: 40 errors, under each connection's
        // closing limit; the host's burst is 10.
        for n in 2...6 {
            let id = ConnectionID(.inbound, n)
            _ = seed.handle(.accepted(id, remote: addr("127.0.0.1:\(40_000 + n)")), now: at(100))
            for _ in 0..<8 {
                let actions = seed.handle(.line(id, "x"), now: at(200))
                logged += events(actions)
                answers += sent(on: id, actions).count
            }
        }
        #expect(answers == 40, "every bad line is answered")
        #expect(logged.count == 10)
        #expect(logged.allSatisfy { $0.kind == .badInput && $0.texts.first?.hasPrefix("127.0.0.1:") == true })
        let later = events(seed.handle(.line(ConnectionID(.inbound, 2), "List Peers"), now: at(10_000)))
        #expect(later.contains(.errorsSuppressed(count: 30, source: "127.0.0.1", burst: 10, interval: .seconds(10))), "\(later)")
    }

    @Test("a seed closes a connection at its 16th refused line within 10 s, saying why, and accounts for it")
    func seedClosesAfterRefusedLines() {
        var (seed, id) = Self.seed()
        _ = seed.handle(.line(id, "Register:127.0.0.1:6001"), now: at(0))
        for n in 1..<Self.closeAfter {
            let actions = seed.handle(.line(id, "x"), now: at(Int64(n)))
            #expect(closes(actions).isEmpty)
        }
        let last = seed.handle(.line(id, "x"), now: at(100))
        #expect(closes(last) == [id])
        #expect(sent(on: id, last).last == .error("16 lines refused within 10.0 s; closing the connection"))
        #expect(
            events(last).contains {
                $0.kind == .connectionEnded && $0.texts.first == "peer 127.0.0.1:6001 (127.0.0.1:40000)"
                    && $0.texts.last?.hasPrefix("closed: 16 lines refused") == true
            }
        )
        #expect(seed.membership.status(of: addr("127.0.0.1:6001")) != .alive, "its registration connection is gone: suspect")
    }

    @Test("refused lines spread over periods do not close a connection")
    func slowErrorsKeepTheConnection() {
        var (seed, id) = Self.seed()
        for n in 0..<(3 * Self.closeAfter) {
            let actions = seed.handle(.line(id, "x"), now: at(Int64(n) * 1_000))
            #expect(closes(actions).isEmpty)
        }
    }

    @Test("a seed's over-long line is answered and closed by the shell, not closed twice")
    func tooLongNotClosedTwice() {
        var (seed, id) = Self.seed()
        for _ in 1..<Self.closeAfter { _ = seed.handle(.line(id, "x"), now: at(0)) }
        let actions = seed.handle(.lineTooLong(id), now: at(0))
        #expect(closes(actions).isEmpty)
        #expect(events(actions).filter { $0.kind == .connectionEnded }.count == 1)
    }

    @Test("with logging off nothing is logged and the closing rule holds all the same")
    func loggingOff() {
        var (seed, id) = Self.seed()
        seed.logging = false
        var all: [Action] = []
        for n in 0..<Self.closeAfter { all += seed.handle(.line(id, "x"), now: at(Int64(n))) }
        #expect(logs(all).isEmpty)
        #expect(closes(all) == [id])
    }

    @Test("a peer closes an unidentified connection at its 16th refused line, and summarises its errors")
    func peerClosesAndSummarises() {
        var fixture = PeerFixture()
        _ = fixture.start()
        let id = ConnectionID(.inbound, 1)
        _ = fixture.handle(.accepted(id, remote: addr("127.0.0.1:40000")))
        var all: [Action] = []
        for _ in 0..<Self.closeAfter { all += fixture.line(id, "x") }
        #expect(closes(all) == [id])
        #expect(events(all).filter { $0.kind == .badInput && $0.texts.first == "127.0.0.1:40000" }.count == 10)
        #expect(
            events(all).contains {
                $0.kind == .connectionEnded && $0.texts.first == "127.0.0.1:40000"
                    && $0.texts.last?.hasPrefix("closed: 16 lines refused") == true
            })
        let later = events(fixture.fire(.liveness, after: .seconds(10)))
        #expect(later.contains(.errorsSuppressed(count: 6, source: "127.0.0.1", burst: 10, interval: .seconds(10))), "\(later)")
    }
}
