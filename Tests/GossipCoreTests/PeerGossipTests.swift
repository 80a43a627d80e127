import Testing

@testable import GossipCore

/// PeerProtocol: creating own messages and flooding received ones.
@Suite("PeerProtocol gossip")
struct PeerGossipTests {
    let me = PeerFixture.me
    let p2 = addr("127.0.0.1:6002")
    let p3 = addr("127.0.0.1:6003")
    let p4 = addr("127.0.0.1:6004")

    /// A peer linked to 6002 (dialled), 6003 and 6004 (inbound); returns the three links.
    func linkedToThree(_ adjust: (inout PeerSettings) -> Void = { _ in }) -> (PeerFixture, [ConnectionID]) {
        var fixture = PeerFixture(adjust)
        let outbound = fixture.linkOutbound(to: p2)
        let (inbound3, _) = fixture.linkInbound(from: p3)
        let (inbound4, _) = fixture.linkInbound(from: p4)
        return (fixture, [outbound, inbound3, inbound4])
    }

    // MARK: Own messages

    @Test("the gossip timer creates <timestamp>:<own address>:1 and sends it to every linked neighbour")
    func firstOwnMessage() {
        var (fixture, links) = linkedToThree()
        let actions = fixture.fire(.gossip, after: PeerFixture.gossipInterval)
        let expected = Message.gossip(gossip(1, at: 100, from: me))
        #expect(expected.encoded == "1795287680.100:127.0.0.1:6001:1")
        #expect(sends(actions).map(\.0) == links)
        #expect(sends(actions).allSatisfy { $0.1 == expected })
    }

    @Test("each gossip timer creates the next Msg# and schedules the next timer")
    func nextOwnMessage() {
        var (fixture, links) = linkedToThree()
        _ = fixture.fire(.gossip, after: PeerFixture.gossipInterval)
        let actions = fixture.fire(.gossip, after: PeerFixture.gossipInterval)
        #expect(sent(on: links[0], actions) == [.gossip(gossip(2, at: 200, from: me))])
        #expect(schedules(actions)[.gossip] == at(300).instant)
    }

    @Test("the peer stops creating messages after messageCount")
    func stopsAfterMessageCount() {
        var (fixture, _) = linkedToThree { $0.messageCount = 2 }
        _ = fixture.fire(.gossip, after: PeerFixture.gossipInterval)
        let last = fixture.fire(.gossip, after: PeerFixture.gossipInterval)
        #expect(schedules(last)[.gossip] == nil)
        #expect(fixture.fire(.gossip, after: PeerFixture.gossipInterval) == [])
        #expect(fixture.peer.messagesCreated == 2)
    }

    @Test("an own message coming back from a neighbour is a duplicate and produces nothing")
    func ownMessageComesBack() {
        var (fixture, links) = linkedToThree()
        _ = fixture.fire(.gossip, after: PeerFixture.gossipInterval)
        #expect(fixture.line(links[1], gossip(1, at: 100, from: me).text) == [])
    }

    // MARK: Received messages

    @Test("a new message is logged as 'Received <message> from <neighbour>; forwarded to <n>'")
    func newMessageLogged() {
        var (fixture, links) = linkedToThree()
        let text = "1795287680.050:127.0.0.1:6009:1"
        let actions = fixture.line(links[0], text)
        #expect(
            events(actions) == [
                .received(try! Message.decodeGossip("1795287680.050:127.0.0.1:6009:1"), from: addr("127.0.0.1:6002"), forwardedTo: 2)
            ])
    }

    @Test("a new message is forwarded to every neighbour except the one it came from")
    func newMessageForwarded() {
        var (fixture, links) = linkedToThree()
        let text = "1795287680.050:127.0.0.1:6009:1"
        let actions = fixture.line(links[1], text)
        #expect(sends(actions).map(\.0) == [links[0], links[2]])
        #expect(sends(actions).allSatisfy { $0.1.encoded == text })
    }

    @Test("a forwarded message keeps its text exactly as received")
    func forwardedVerbatim() {
        var (fixture, links) = linkedToThree()
        let text = "1795287680.000:[2001:db8::7]:6009:3"
        #expect(sent(on: links[2], fixture.line(links[0], text)).map(\.encoded) == [text])
    }

    @Test("a duplicate message produces no action at all")
    func duplicateSilent() {
        var (fixture, links) = linkedToThree()
        let text = "1795287680.050:127.0.0.1:6009:1"
        _ = fixture.line(links[0], text)
        #expect(fixture.line(links[2], text) == [])
        #expect(fixture.line(links[0], text) == [])
    }

    @Test("a stale message is logged but not forwarded")
    func staleNotForwarded() {
        var (fixture, links) = linkedToThree()
        let actions = fixture.line(links[0], "1795280000.000:127.0.0.1:6009:1")
        #expect(sends(actions).isEmpty)
        #expect(events(actions).contains { $0.kind == .staleDropped })
    }

    @Test("a neighbour whose link is down is not forwarded to")
    func downLinkNotForwarded() {
        var (fixture, links) = linkedToThree()
        _ = fixture.handle(.closed(links[2], .endOfStream))
        let actions = fixture.line(links[1], "1795287680.050:127.0.0.1:6009:1")
        #expect(sends(actions).map(\.0) == [links[0]])
    }

    @Test("a 'received' event reads back from its sentence")
    func receivedRoundTrip() {
        let event = NodeEvent.received(gossip(4, at: 5, from: addr("[::1]:6001")), from: p2, forwardedTo: 3)
        #expect(EventParser.sentence(EventRenderer.sentence(event)[...]) == event)
    }
}

/// The checks around the message log, as a linked peer sees them.
@Suite("PeerProtocol gossip refusals")
struct PeerGossipRefusalTests {
    @Test("a message timestamped beyond the clock-skew bound is answered with an Error and not forwarded")
    func futureMessage() {
        var fixture = PeerFixture()
        let id = fixture.linkOutbound(to: addr("127.0.0.1:6002"))
        let text = "\(Timestamp(milliseconds: baseWall + 300_000)):127.0.0.1:6009:1"
        let actions = fixture.line(id, text)
        #expect(sends(actions).count == 1)
        #expect(sentError(on: id, actions))
        #expect(events(actions).contains { $0.kind == .messageRefused && $0.texts.last?.contains("ahead of my clock") == true })
    }

    @Test("a message spelled with a leading zero is answered with an Error naming the one spelling")
    func nonCanonical() {
        var fixture = PeerFixture()
        let id = fixture.linkOutbound(to: addr("127.0.0.1:6002"))
        let actions = fixture.line(id, "1795287680.050:127.0.0.1:6009:01")
        #expect(sent(on: id, actions) == [.error("malformed gossip message: not written canonically; the one spelling is '1795287680.050:127.0.0.1:6009:1'")])
    }
}
