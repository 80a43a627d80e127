import Testing

@testable import GossipCore

/// A peer with one seed (a quorum of one), liveness interval 1 s: backoff from 250 ms,
/// doubling, at most 4 s.
private struct RetryFixture {
    static let seed = addr("127.0.0.1:5001")
    var fixture: PeerFixture
    var connection: ConnectionID

    init(rngSeed: UInt64 = 7) {
        fixture = PeerFixture(rngSeed: rngSeed) { $0.seeds = [Self.seed] }
        connection = ConnectionID(.outbound, 0)
        let started = fixture.start()
        connection = connects(started)[0].0
    }

    var time: Int64 { fixture.time }

    /// The seed refuses this attempt: returns when the peer will ask again (ms from the start).
    mutating func refuse(by refusal: Event? = nil) throws -> Int64 {
        _ = fixture.handle(.connected(connection))
        let actions = fixture.handle(
            refusal ?? .line(connection, "Error:registration refused: this seed is full (2 registrations, --max-peers); retry later"))
        let retryAt = try #require(schedules(actions)[.registrationRetry])
        return (retryAt.nanoseconds + 999_999) / 1_000_000  // Rounded up: the retry is due then.
    }

    /// Waits until `ms` and fires the retry timer: returns the new seed connection.
    mutating func retry(at ms: Int64) throws -> ConnectionID {
        let actions = fixture.fire(.registrationRetry, after: .milliseconds(ms - fixture.time))
        let (id, to) = try #require(connects(actions).first)
        #expect(to == Self.seed)
        connection = id
        return id
    }
}

@Suite("Peer registration retries with backoff")
struct PeerRegistrationRetryTests {
    @Test("a refusal closes the seed connection and the seed is asked again after a jittered quarter interval")
    func refusalBacksOff() throws {
        var retry = RetryFixture()
        _ = retry.fixture.handle(.connected(retry.connection))
        let actions = retry.fixture.line(
            retry.connection, "Error:registration refused: this seed is full (2 registrations, --max-peers); retry later")
        #expect(closes(actions) == [retry.connection])
        let at = try #require(schedules(actions)[.registrationRetry]).nanoseconds / 1_000_000
        #expect((125...250).contains(at), "between half and all of a quarter interval")
        #expect(
            events(actions).contains {
                $0.kind == .registrationRefused && $0.subject == addr("127.0.0.1:5001")
                    && $0.texts.last?.hasPrefix("registration refused") == true
            })
    }

    @Test("each failure in a row doubles the wait, up to four intervals; a turned-away connection counts as one")
    func backoffDoublesToCap() throws {
        var retry = RetryFixture()
        var waits: [Int64] = []
        for attempt in 0..<8 {
            // Alternate the ways a full seed turns a peer away: an error line, or a closed connection.
            let refusal: Event? = attempt % 2 == 0 ? nil : .closed(retry.connection, .endOfStream)
            let at = try retry.refuse(by: refusal)
            waits.append(at - retry.time)
            _ = try retry.retry(at: at)
        }
        for (n, wait) in waits.enumerated() {
            let full = min(250 << n, 4000)
            #expect((Int64(full / 2)...Int64(full)).contains(wait), "failure \(n + 1): \(wait) ms")
        }
    }

    @Test("the liveness round does not ask a seed whose backoff is not over")
    func roundRespectsBackoff() throws {
        var retry = RetryFixture()
        var at: Int64 = 0
        for _ in 0..<4 {  // The fourth wait is 1 to 2 s: past the next round.
            at = try retry.refuse()
            if at - retry.time >= 1000 { break }
            _ = try retry.retry(at: at)
        }
        #expect(at - retry.time >= 1000)
        let round = retry.fixture.fire(.liveness, after: .milliseconds(1000 - retry.time % 1000))
        #expect(connects(round).isEmpty)
    }

    @Test("once registered, the next failure starts the backoff afresh")
    func successResets() throws {
        var retry = RetryFixture()
        for _ in 0..<3 { _ = try retry.retry(at: try retry.refuse()) }
        _ = retry.fixture.handle(.connected(retry.connection))
        _ = retry.fixture.line(retry.connection, "Peer List:")
        #expect(retry.fixture.peer.registeredSeeds == [RetryFixture.seed])
        // The seed unlists it later, full by then: the wait is a first one again.
        let refused = retry.fixture.line(
            retry.connection, "Error:registration refused: this seed is full (2 registrations, --max-peers); retry later")
        let at = try #require(schedules(refused)[.registrationRetry]).nanoseconds / 1_000_000
        #expect((125...250).contains(at - retry.time))
    }

    @Test("peers turned away together come back at different times")
    func jitterSpreads() throws {
        var times: Set<Int64> = []
        for rngSeed in UInt64(1)...20 {
            var retry = RetryFixture(rngSeed: rngSeed)
            times.insert(try retry.refuse())
        }
        #expect(times.count >= 15)
    }
}
