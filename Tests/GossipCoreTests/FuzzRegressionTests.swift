import Testing

@testable import GossipCore

/// Bugs the fuzzer found (`Fuzz/`), one test each, with the input's gist. The crash inputs
/// themselves are in `Fuzz/corpus/<target>/regression-*`, replayed by every fuzz run.
@Suite("Fuzzer findings")
struct FuzzRegressionTests {
    @Test("a List Members offset past the end gets an empty last page that decodes, not an offset past the total")
    func membersOffsetPastTheEnd() throws {
        var seed = SeedProtocol(address: addr("127.0.0.1:5001"), rng: SeededRandom(seed: 1))
        let peer = ConnectionID(.inbound, 1)
        _ = seed.handle(.accepted(peer, remote: addr("127.0.0.1:40001")), now: at(0))
        _ = seed.handle(.line(peer, "Register:127.0.0.1:6001"), now: at(0))
        let asker = ConnectionID(.inbound, 2)
        _ = seed.handle(.accepted(asker, remote: addr("127.0.0.1:40002")), now: at(0))
        let replies = sent(on: asker, seed.handle(.line(asker, "List Members:2"), now: at(0)))
        try #require(replies.count == 1)
        #expect(try Message(decoding: replies[0].encoded) == replies[0], "the reply is a line any reader takes")
        #expect(replies[0] == .members(offset: 1, total: 1, []))
    }

    @Test("a seed does not list its own address (it would probe itself once the entry is accused)")
    func seedRefusesItsOwnAddress() {
        var seed = SeedProtocol(address: addr("127.0.0.1:5001"), rng: SeededRandom(seed: 1))
        for (number, text) in [(1, "127.0.0.1:5001"), (2, "[::ffff:127.0.0.1]:5001")] {
            let id = ConnectionID(.inbound, number)
            _ = seed.handle(.accepted(id, remote: addr("127.0.0.1:40001")), now: at(0))
            let actions = seed.handle(.line(id, "Register:\(text)"), now: at(0))
            #expect(sentError(on: id, actions), "\(text) is refused")
        }
        #expect(seed.registry.count == 0)
    }
}

@Suite("Fuzzer findings, continued")
struct FuzzRegressionTests2 {
    /// Found by `Fuzz/run.sh seed`: a peer that left and registers again was shown twice in
    /// `Members:`, joining and left.
    @Test("a departed peer registering again is one Members row, joining")
    func departedPeerRegisteringAgainIsOneRow() {
        var seed = SeedProtocol(address: addr("127.0.0.1:5001"), rng: SeededRandom(seed: 1))
        let peer = addr("127.0.0.1:6001")
        let first = ConnectionID(.inbound, 1)
        _ = seed.handle(.accepted(first, remote: addr("127.0.0.1:40001")), now: at(0))
        _ = answerProbes(of: &seed, in: seed.handle(.line(first, "Register:127.0.0.1:6001"), now: at(0)), now: at(0))
        _ = seed.handle(.line(first, "Leave:127.0.0.1:6001"), now: at(10))
        let again = ConnectionID(.inbound, 2)
        _ = seed.handle(.accepted(again, remote: addr("127.0.0.1:40002")), now: at(20))
        _ = seed.handle(.line(again, "Register:127.0.0.1:6001"), now: at(20))
        #expect(seed.membership.rows() == [Member(peer, .joining)])
    }

    /// Found by `Fuzz/run.sh peer`: a peer woke from a long pause with its liveness round and a
    /// seed's registration retry both due; the round failed another seed, and the retry timer
    /// was armed again for the first seed's deadline, long past.
    @Test("a registration failing while another seed's retry is overdue arms the retry in the future")
    func overdueRetryIsNotArmedInThePast() {
        var fixture = PeerFixture()
        _ = fixture.start()
        let (first, _) = fixture.seedConnections[0]
        let failed = fixture.handle(.connectFailed(first, reason: .refused))
        #expect(schedules(failed)[.registrationRetry] != nil)
        // Long after that retry was due, without it having fired, the next seed fails.
        fixture.time += 1_000_000
        let (second, _) = fixture.seedConnections[1]
        let next = fixture.handle(.connectFailed(second, reason: .refused))
        for deadline in schedules(next).values { #expect(deadline > fixture.now.instant) }
    }
}
