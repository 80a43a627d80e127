import Testing

@testable import GossipCore

/// PeerProtocol+CatchUp: a neighbour whose link comes up is sent what was flooded before it,
/// all of it (up to `syncLimit`), paced in chunks so no connection's output bound fills.
@Suite("PeerProtocol catch-up")
struct PeerCatchUpTests {
    let p2 = addr("127.0.0.1:6002")
    let p3 = addr("127.0.0.1:6003")

    /// A peer linked to 6002 that has taken `count` messages from it, 5 ms apart.
    func peerHolding(_ count: Int, _ adjust: (inout PeerSettings) -> Void = { _ in }) -> (PeerFixture, ConnectionID) {
        var fixture = PeerFixture { $0.messageCount = 0; adjust(&$0) }
        let link = fixture.linkOutbound(to: p2)
        for n in 1...count {
            _ = fixture.line(link, gossip(n, at: Int64(n)).text)
        }
        return (fixture, link)
    }

    /// Fires the catch-up timer while it is scheduled; every message sent on `id`, in order.
    func drain(_ fixture: inout PeerFixture, first: [Action], on id: ConnectionID) -> (messages: [Message], chunks: Int) {
        var messages = sent(on: id, first)
        var chunks = messages.isEmpty ? 0 : 1
        var next = schedules(first)[.catchUp]
        while let due = next, chunks < 1_000 {
            #expect(due == fixture.now.instant + fixture.peer.settings.syncPace)
            let actions = fixture.fire(.catchUp, after: fixture.peer.settings.syncPace)
            messages += sent(on: id, actions)
            chunks += 1
            next = schedules(actions)[.catchUp]
        }
        return (messages, chunks)
    }

    @Test("a late joiner is sent every one of 3,000 messages, 128 at a time, each once, oldest first")
    func lateJoinerGetsEverything() {
        var (fixture, _) = peerHolding(3_000)
        let (link, actions) = fixture.linkInboundVerified(from: p3)
        let (messages, chunks) = drain(&fixture, first: actions, on: link)
        #expect(messages == (1...3_000).map { .gossip(gossip($0, at: Int64($0))) })
        #expect(chunks == 24, "3,000 / 128, rounded up")
    }

    @Test("the catch-up is at most the syncLimit most recent messages")
    func boundedBySyncLimit() {
        var (fixture, _) = peerHolding(500) { $0.syncLimit = 200 }
        let (link, actions) = fixture.linkInboundVerified(from: p3)
        let (messages, _) = drain(&fixture, first: actions, on: link)
        #expect(messages == (301...500).map { .gossip(gossip($0, at: Int64($0))) })
    }

    @Test("messages flooded during the catch-up are sent once: by the flood, not again by the catch-up")
    func floodDuringCatchUpNotRepeated() {
        var (fixture, link2) = peerHolding(300)
        let (link3, actions) = fixture.linkInboundVerified(from: p3)
        var messages = sent(on: link3, actions)
        messages += sent(on: link3, fixture.line(link2, gossip(301, at: 301).text))
        let (rest, _) = drain(&fixture, first: fixture.fire(.catchUp, after: fixture.peer.settings.syncPace), on: link3)
        messages += rest
        #expect(Set(messages.map(\.encoded)).count == messages.count, "nothing twice")
        #expect(messages.count == 301)
    }

    @Test("a link that drops ends its catch-up, and the timer stops")
    func droppedLinkEndsCatchUp() {
        var (fixture, _) = peerHolding(1_000)
        let (link, actions) = fixture.linkInboundVerified(from: p3)
        #expect(sent(on: link, actions).count == 128)
        _ = fixture.handle(.closed(link, .endOfStream))
        let next = fixture.fire(.catchUp, after: fixture.peer.settings.syncPace)
        #expect(sends(next).isEmpty)
        #expect(schedules(next)[.catchUp] == nil)
    }

    @Test("the numbered read of the log skips what left the ring")
    func numberedReadSkipsEvicted() {
        var log = MessageLog(capacity: 4)
        for n in 1...6 { _ = log.insert(gossip(n, at: Int64(n)), now: at(10)) }
        // Numbers 0...5 were taken; the ring holds 2...5 (messages 3...6).
        let (first, next) = log.messages(numbered: 0..<6, limit: 3)
        #expect(first == [gossip(3, at: 3), gossip(4, at: 4), gossip(5, at: 5)])
        #expect(next == 5)
        #expect(log.messages(numbered: next..<6, limit: 3).messages == [gossip(6, at: 6)])
        #expect(log.messages(numbered: 6..<6, limit: 3).messages == [])
    }
}
