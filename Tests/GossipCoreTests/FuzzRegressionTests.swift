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
