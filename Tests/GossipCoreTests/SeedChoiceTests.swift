import Testing

@testable import GossipCore

@Suite("SeedChoice")
struct SeedChoiceTests {
    static let seeds = (1...7).map { NodeAddress(host: .loopback, port: UInt16(5000 + $0)) }

    @Test(
        "the quorum of n seeds is floor(n/2)+1",
        arguments: [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4), (7, 4), (8, 5), (9, 5), (10, 6)])
    func quorum(seedCount: Int, expected: Int) {
        #expect(SeedChoice.quorum(of: seedCount) == expected)
    }

    @Test("any two quorums of the same seeds share a seed", arguments: 1...10)
    func quorumsIntersect(seedCount: Int) {
        #expect(2 * SeedChoice.quorum(of: seedCount) > seedCount)
        #expect(SeedChoice.quorum(of: seedCount) <= seedCount)
    }

    @Test("order is a permutation of the seeds", arguments: [UInt64(1), 2, 3, 42])
    func permutation(rngSeed: UInt64) {
        var rng = SeededRandom(seed: rngSeed)
        let order = SeedChoice.order(Self.seeds, using: &rng)
        #expect(order.sorted() == Self.seeds.sorted())
    }

    @Test("the first quorum of the order are distinct seeds")
    func quorumDistinct() {
        var rng = SeededRandom(seed: 9)
        let chosen = SeedChoice.order(Self.seeds, using: &rng).prefix(SeedChoice.quorum(of: Self.seeds.count))
        #expect(Set(chosen).count == SeedChoice.quorum(of: Self.seeds.count))
    }

    @Test("the same random seed gives the same order")
    func reproducible() {
        var first = SeededRandom(seed: 1234)
        var second = SeededRandom(seed: 1234)
        #expect(SeedChoice.order(Self.seeds, using: &first) == SeedChoice.order(Self.seeds, using: &second))
    }

    @Test("SeededRandom is a pure function of its seed")
    func seededRandomReproducible() {
        var first = SeededRandom(seed: 5)
        var second = SeededRandom(seed: 5)
        #expect((0..<5).map { _ in first.next() } == (0..<5).map { _ in second.next() })
    }
}
