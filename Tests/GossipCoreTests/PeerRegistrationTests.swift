import Testing

@testable import GossipCore

/// PeerProtocol: registering with a quorum of seeds and dialling the peers they list.
@Suite("PeerProtocol registration")
struct PeerRegistrationTests {
    let me = PeerFixture.me
    let p2 = addr("127.0.0.1:6002")
    let p3 = addr("127.0.0.1:6003")
    let p4 = addr("127.0.0.1:6004")
    let p5 = addr("127.0.0.1:6005")

    @Test("start connects to exactly two distinct seeds, a quorum of three")
    func startConnectsToQuorum() {
        var fixture = PeerFixture()
        let seeds = connects(fixture.start()).map(\.1)
        #expect(seeds.count == 2)
        #expect(Set(seeds).count == 2)
        #expect(Set(seeds).isSubset(of: PeerFixture.seeds))
    }

    @Test("the same random seed registers with the same seeds")
    func startReproducible() {
        var first = PeerFixture(rngSeed: 99)
        var second = PeerFixture(rngSeed: 99)
        #expect(connects(first.start()).map(\.1) == connects(second.start()).map(\.1))
    }

    @Test("start schedules the gossip timer and the liveness timer")
    func startSchedulesTimers() {
        var fixture = PeerFixture()
        #expect(schedules(fixture.start()) == [.gossip: at(100).instant, .liveness: at(1000).instant])
    }

    @Test("a peer with no messages to create schedules no gossip timer")
    func noMessagesNoGossipTimer() {
        var fixture = PeerFixture { $0.messageCount = 0 }
        #expect(schedules(fixture.start())[.gossip] == nil)
    }

    @Test("once a seed connection is open the peer sends Register with its own address")
    func registerOnConnect() {
        var fixture = PeerFixture()
        _ = fixture.start()
        let (id, _) = fixture.seedConnections[0]
        #expect(fixture.handle(.connected(id)) == [.send(id, .register(me))])
    }

    @Test("nothing is sent to a seed before its connection is open")
    func nothingBeforeConnect() {
        var fixture = PeerFixture()
        #expect(sends(fixture.start()).isEmpty)
    }

    @Test("the peer does not dial before every seed it asked has answered")
    func noDialBeforeAllAnswered() {
        var fixture = PeerFixture()
        _ = fixture.start()
        let (id, _) = fixture.seedConnections[0]
        _ = fixture.handle(.connected(id))
        #expect(connects(fixture.line(id, "Peer List:127.0.0.1:6002")).isEmpty)
    }

    @Test("after both seeds answer the peer dials the union of their lists")
    func dialsUnion() {
        var fixture = PeerFixture()
        let actions = fixture.register(lists: [[p2, p3], [p3, p4]])
        #expect(Set(connects(actions).map(\.1)) == [p2, p3, p4])
        #expect(connects(actions).count == 3)
        #expect(fixture.peer.registeredSeeds.count == 2)
    }

    @Test("the peer dials at most maxLinks peers, all distinct and from the union")
    func dialsAtMostMaxLinks() {
        var fixture = PeerFixture { $0.maxLinks = 2 }
        let dialled = connects(fixture.register(lists: [[p2, p3], [p4, p5]])).map(\.1)
        #expect(dialled.count == 2)
        #expect(Set(dialled).count == 2)
        #expect(Set(dialled).isSubset(of: [p2, p3, p4, p5]))
    }

    @Test("the peer never dials itself, even when a seed lists it")
    func neverDialsItself() {
        var fixture = PeerFixture()
        let dialled = connects(fixture.register(lists: [[me, p2], [me]])).map(\.1)
        #expect(dialled == [p2])
        #expect(!fixture.peer.knownPeers.contains(me))
    }

    @Test("after connecting to a dialled peer the peer sends Link Request with its own address")
    func linkRequestOnConnect() throws {
        var fixture = PeerFixture()
        let (id, _) = try #require(connects(fixture.register(lists: [[p2], []])).first)
        #expect(fixture.handle(.connected(id)) == [.send(id, .linkRequest(me))])
    }

    @Test("a seed that cannot be connected to is replaced by the third seed")
    func fallbackSeedOnConnectFailure() throws {
        var fixture = PeerFixture()
        _ = fixture.start()
        let asked = fixture.seedConnections.map(\.1)
        let third = PeerFixture.seeds.first { !asked.contains($0) }
        let actions = fixture.handle(.connectFailed(fixture.seedConnections[0].0, reason: "connection refused"))
        #expect(connects(actions).map(\.1) == [try #require(third)])
    }

    @Test("the fallback seed is sent Register once connected")
    func fallbackSeedRegisters() throws {
        var fixture = PeerFixture()
        _ = fixture.start()
        let actions = fixture.handle(.connectFailed(fixture.seedConnections[0].0, reason: "connection refused"))
        let (id, _) = try #require(connects(actions).first)
        #expect(fixture.handle(.connected(id)) == [.send(id, .register(me))])
    }

    @Test("a seed that does not answer within a liveness interval is replaced by the third seed")
    func fallbackSeedOnSilence() throws {
        var fixture = PeerFixture()
        _ = fixture.start()
        let (answering, silent) = (fixture.seedConnections[0], fixture.seedConnections[1])
        _ = fixture.handle(.connected(answering.0))
        _ = fixture.handle(.connected(silent.0))
        _ = fixture.line(answering.0, "Peer List:")
        let actions = fixture.fire(.liveness, after: PeerFixture.livenessInterval)
        let third = PeerFixture.seeds.first { $0 != answering.1 && $0 != silent.1 }
        #expect(closes(actions) == [silent.0])
        #expect(connects(actions).map(\.1) == [try #require(third)])
    }

    @Test("when every seed has failed but one, the peer links with the one list it got")
    func linksWithPartialRegistration() throws {
        var fixture = PeerFixture()
        _ = fixture.start()
        let (first, second) = (fixture.seedConnections[0].0, fixture.seedConnections[1].0)
        let (fallback, _) = try #require(connects(fixture.handle(.connectFailed(first, reason: "refused"))).first)
        _ = fixture.handle(.connectFailed(fallback, reason: "refused"))
        _ = fixture.handle(.connected(second))
        let actions = fixture.line(second, "Peer List:127.0.0.1:6002")
        #expect(connects(actions).map(\.1) == [p2])
        #expect(events(actions).contains { $0.kind == .registeredUnderQuorum })
    }
}
