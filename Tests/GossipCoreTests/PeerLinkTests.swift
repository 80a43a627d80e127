import Testing

@testable import GossipCore

/// PeerProtocol: opening, accepting and refusing links, and the lines a link takes.
@Suite("PeerProtocol links")
struct PeerLinkTests {
    let me = PeerFixture.me
    let p2 = addr("127.0.0.1:6002")
    let p3 = addr("127.0.0.1:6003")
    let p4 = addr("127.0.0.1:6004")

    // MARK: Dialling

    @Test("on Link Accepted the dialled peer becomes a linked neighbour")
    func linkAccepted() {
        var fixture = PeerFixture()
        _ = fixture.linkOutbound(to: p2)
        #expect(fixture.peer.linkedNeighbours == [p2])
    }

    @Test("on Link Accepted the new neighbour is sent the recent messages")
    func newNeighbourGetsRecentMessages() throws {
        var fixture = PeerFixture()
        let (id, _) = try #require(connects(fixture.register(lists: [[p2], []])).first)
        _ = fixture.fire(.gossip, after: PeerFixture.gossipInterval)
        _ = fixture.fire(.gossip, after: PeerFixture.gossipInterval)
        _ = fixture.handle(.connected(id))
        let actions = fixture.line(id, "Link Accepted:127.0.0.1:6002")
        #expect(sent(on: id, actions) == [.gossip(gossip(1, at: 100, from: me)), .gossip(gossip(2, at: 200, from: me))])
    }

    @Test("on Link Refused the peer closes the connection and dials the next candidate")
    func linkRefusedDialsNext() throws {
        var fixture = PeerFixture { $0.maxLinks = 1 }
        let (id, first) = try #require(connects(fixture.register(lists: [[p2, p3], []])).first)
        _ = fixture.handle(.connected(id))
        let actions = fixture.line(id, "Link Refused:inbound link limit (32) reached")
        #expect(closes(actions) == [id])
        #expect(connects(actions).map(\.1) == [first == p2 ? p3 : p2])
        #expect(fixture.peer.linkedNeighbours.isEmpty)
    }

    @Test("a failed dial is replaced by the next candidate")
    func failedDialDialsNext() throws {
        var fixture = PeerFixture { $0.maxLinks = 1 }
        let (id, first) = try #require(connects(fixture.register(lists: [[p2, p3], []])).first)
        let actions = fixture.handle(.connectFailed(id, reason: "connection refused"))
        #expect(connects(actions).map(\.1) == [first == p2 ? p3 : p2])
    }

    @Test("when two peers dial each other at the same time, a link between them stays up")
    func simultaneousDials() throws {
        var a = PeerFixture()
        var b = PeerFixture { $0.address = addr("127.0.0.1:6002") }
        // Each learns the other from its seeds and dials it.
        let (dialA, _) = try #require(connects(a.register(lists: [[p2], []])).first)
        let (dialB, _) = try #require(connects(b.register(lists: [[me], []])).first)
        // Both connections open; the far end of each is an inbound connection.
        let (inboundAtB, inboundAtA) = (ConnectionID(.inbound, 1), ConnectionID(.inbound, 1))
        _ = a.handle(.connected(dialA))
        _ = b.handle(.connected(dialB))
        _ = b.handle(.accepted(inboundAtB, remote: addr("127.0.0.1:40001")))
        _ = a.handle(.accepted(inboundAtA, remote: addr("127.0.0.1:40002")))
        // Each Link Request arrives before either answer. The link dialled by the lower address
        // (A, 6001) is the one kept: B accepts it, A refuses B's.
        let answerFromB = b.line(inboundAtB, "Link Request:127.0.0.1:6001")
        let answerFromA = a.line(inboundAtA, "Link Request:127.0.0.1:6002")
        #expect(sent(on: inboundAtB, answerFromB) == [.linkAccepted(p2)])
        let refusal = sent(on: inboundAtA, answerFromA)
        #expect(refusal.count == 1)
        guard case .linkRefused(let reason)? = refusal.first else {
            Issue.record("A must refuse B's simultaneous link, got \(refusal)")
            return
        }
        #expect(reason.contains("lower address"))
        #expect(closes(answerFromA).contains(inboundAtA))
        // Then each answer arrives.
        _ = b.handle(.closed(dialB, .endOfStream))
        #expect(closes(a.line(dialA, "Link Accepted:127.0.0.1:6002")).isEmpty)
        #expect(a.peer.linkedNeighbours == [p2])
        #expect(b.peer.linkedNeighbours == [me])
    }

    // MARK: Accepting

    @Test("an inbound Link Request is accepted with Link Accepted and the peer's own address")
    func inboundAccepted() {
        var fixture = PeerFixture()
        _ = fixture.start()
        let (id, actions) = fixture.linkInbound(from: p3)
        #expect(sent(on: id, actions) == [.linkAccepted(me)])
        #expect(fixture.peer.linkedNeighbours == [p3])
    }

    @Test("an inbound Link Request with the peer's own address is refused and closed")
    func inboundOwnAddressRefused() {
        var fixture = PeerFixture()
        _ = fixture.start()
        let (id, actions) = fixture.linkInbound(from: me)
        #expect(sent(on: id, actions) == [.linkRefused("that is my own address")])
        #expect(closes(actions) == [id])
        #expect(fixture.peer.linkedNeighbours.isEmpty)
    }

    @Test("an inbound Link Request past maxInboundLinks is refused and closed")
    func inboundLimitRefused() {
        var fixture = PeerFixture { $0.maxInboundLinks = 1 }
        _ = fixture.start()
        _ = fixture.linkInbound(from: p3)
        let (id, actions) = fixture.linkInbound(from: p4)
        #expect(sent(on: id, actions) == [.linkRefused("inbound link limit (1) reached")])
        #expect(closes(actions) == [id])
        #expect(fixture.peer.linkedNeighbours == [p3])
    }

    @Test("an inbound Link Request from a peer already linked is refused")
    func inboundAlreadyLinkedRefused() {
        var fixture = PeerFixture()
        _ = fixture.start()
        _ = fixture.linkInbound(from: p3)
        let (id, actions) = fixture.linkInbound(from: p3)
        #expect(sent(on: id, actions).count == 1)
        #expect(sent(on: id, actions).first.map { if case .linkRefused = $0 { true } else { false } } == true)
        #expect(fixture.peer.linkedNeighbours == [p3])
    }

    @Test("an inbound connection whose first line is not a Link Request gets an Error")
    func inboundFirstLineMustBeLinkRequest() {
        var fixture = PeerFixture()
        _ = fixture.start()
        let id = ConnectionID(.inbound, 1)
        _ = fixture.handle(.accepted(id, remote: addr("127.0.0.1:40001")))
        #expect(sentError(on: id, fixture.line(id, "List Peers")))
        #expect(fixture.peer.linkedNeighbours.isEmpty)
    }

    // MARK: Lines on a link

    @Test("a Liveness Request on a link is answered with the matching Liveness Reply")
    func livenessRequestAnswered() {
        var fixture = PeerFixture()
        let id = fixture.linkOutbound(to: p2)
        let actions = fixture.line(id, "Liveness Request:1795287680.731:127.0.0.1:6002")
        #expect(
            sent(on: id, actions) == [
                .livenessReply(timestamp: Timestamp(milliseconds: 1_795_287_680_731), sender: p2, replier: me)
            ])
        #expect(
            sent(on: id, actions).first?.encoded == "Liveness Reply:1795287680.731:127.0.0.1:6002:127.0.0.1:6001")
    }

    @Test("a malformed line from a neighbour gets an Error and the neighbour stays linked")
    func malformedLineFromNeighbour() {
        var fixture = PeerFixture()
        let id = fixture.linkOutbound(to: p2)
        let actions = fixture.line(id, "1795287680.731:127.0.0.1:6002:0")
        #expect(sentError(on: id, actions))
        #expect(closes(actions).isEmpty)
        #expect(fixture.peer.linkedNeighbours == [p2])
    }

    @Test("an Error line from a neighbour gets no reply")
    func errorFromNeighbourNotAnswered() {
        var fixture = PeerFixture()
        let id = fixture.linkOutbound(to: p2)
        #expect(sends(fixture.line(id, "Error:unknown message 'x'")).isEmpty)
    }

    @Test("a Liveness Reply meant for another peer gets an Error")
    func livenessReplyForSomeoneElse() {
        var fixture = PeerFixture()
        let id = fixture.linkOutbound(to: p2)
        #expect(sentError(on: id, fixture.line(id, "Liveness Reply:1795287680.731:127.0.0.1:6009:127.0.0.1:6002")))
    }

    @Test("a dropped link leaves the neighbour known but not linked")
    func droppedLink() {
        var fixture = PeerFixture()
        let id = fixture.linkOutbound(to: p2)
        _ = fixture.handle(.closed(id, .endOfStream))
        #expect(fixture.peer.linkedNeighbours.isEmpty)
        #expect(fixture.peer.neighbourOrder == [p2])
    }
}
