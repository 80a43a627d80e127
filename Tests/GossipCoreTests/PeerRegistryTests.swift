import Testing

@testable import GossipCore

@Suite("PeerRegistry")
struct PeerRegistryTests {
    static let peers = (1...20).map { NodeAddress(host: .loopback, port: UInt16(6000 + $0)) }

    func registry(_ addresses: [NodeAddress] = peers) -> PeerRegistry {
        var registry = PeerRegistry()
        for address in addresses { registry.insert(address) }
        return registry
    }

    @Test("a peer inserted twice is listed once")
    func insertTwice() {
        var registry = PeerRegistry()
        let first = registry.insert(addr("127.0.0.1:6001"))
        let second = registry.insert(addr("127.0.0.1:6001"))
        #expect(first)
        #expect(!second)
        #expect(registry.all == [addr("127.0.0.1:6001")])
    }

    @Test("a removed peer is no longer listed")
    func remove() {
        var registry = registry([addr("127.0.0.1:6001"), addr("127.0.0.1:6002")])
        let removed = registry.remove(addr("127.0.0.1:6001"))
        #expect(removed)
        #expect(!registry.contains(addr("127.0.0.1:6001")))
        #expect(registry.all == [addr("127.0.0.1:6002")])
    }

    @Test("removing a peer that is not listed changes nothing")
    func removeUnlisted() {
        var registry = registry([addr("127.0.0.1:6001")])
        let removed = registry.remove(addr("127.0.0.1:6002"))
        #expect(!removed)
        #expect(registry.all == [addr("127.0.0.1:6001")])
    }

    @Test("removing peers keeps every other peer listed")
    func removeKeepsOthers() {
        var registry = registry()
        for index in stride(from: 0, to: Self.peers.count, by: 3) { registry.remove(Self.peers[index]) }
        let kept = Self.peers.enumerated().filter { $0.offset % 3 != 0 }.map(\.element)
        #expect(registry.all.sorted() == kept)
        #expect(kept.allSatisfy { registry.contains($0) })
        #expect(registry.count == kept.count)
    }

    @Test("a removed peer can register again")
    func reinsertAfterRemove() {
        var registry = registry([addr("127.0.0.1:6001")])
        registry.remove(addr("127.0.0.1:6001"))
        let inserted = registry.insert(addr("127.0.0.1:6001"))
        #expect(inserted)
        #expect(registry.count == 1)
    }

    @Test("a sample holds at most limit peers")
    func sampleBounded() {
        var rng = SeededRandom(seed: 1)
        #expect(registry().sample(limit: 5, excluding: nil, using: &rng).count == 5)
    }

    @Test("a sample holds every peer when they fit")
    func sampleAllWhenFit() {
        var rng = SeededRandom(seed: 1)
        #expect(registry().sample(limit: 64, excluding: nil, using: &rng).sorted() == Self.peers)
    }

    @Test("a sample leaves out the excluded peer", arguments: [UInt64(1), 2, 3, 4, 5])
    func sampleExcludes(rngSeed: UInt64) {
        var rng = SeededRandom(seed: rngSeed)
        let sample = registry().sample(limit: 19, excluding: Self.peers[7], using: &rng)
        #expect(sample.count == 19)
        #expect(!sample.contains(Self.peers[7]))
    }

    @Test("a sample smaller than the registry leaves out the excluded peer", arguments: 1...20)
    func partialSampleExcludes(excluded: Int) {
        var rng = SeededRandom(seed: UInt64(excluded))
        let sample = registry().sample(limit: 6, excluding: Self.peers[excluded - 1], using: &rng)
        #expect(sample.count == 6)
        #expect(!sample.contains(Self.peers[excluded - 1]))
        #expect(Set(sample).count == 6)
    }

    @Test("excluding a peer that is not listed samples from every peer")
    func sampleExcludingUnlisted() {
        var rng = SeededRandom(seed: 1)
        let sample = registry().sample(limit: 64, excluding: addr("127.0.0.1:7000"), using: &rng)
        #expect(sample.sorted() == Self.peers)
    }

    @Test("every peer can be drawn when sampling fewer than are listed")
    func samplesReachEveryone() {
        var rng = SeededRandom(seed: 11)
        let registry = registry()
        var seen: Set<NodeAddress> = []
        for _ in 0..<200 { seen.formUnion(registry.sample(limit: 3, excluding: Self.peers[0], using: &rng)) }
        #expect(seen == Set(Self.peers.dropFirst()))
    }

    @Test("sampled peers are distinct and all registered", arguments: [UInt64(1), 2, 3, 4, 5])
    func sampleDistinctAndRegistered(rngSeed: UInt64) {
        var rng = SeededRandom(seed: rngSeed)
        let registry = registry()
        let sample = registry.sample(limit: 8, excluding: nil, using: &rng)
        #expect(Set(sample).count == sample.count)
        #expect(sample.allSatisfy { registry.contains($0) })
    }

    @Test("sampling does not change the registry")
    func sampleReadOnly() {
        var rng = SeededRandom(seed: 1)
        let registry = registry()
        _ = registry.sample(limit: 5, excluding: Self.peers[0], using: &rng)
        #expect(registry.all == Self.peers)
    }
}
