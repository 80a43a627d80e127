import Testing

@testable import GossipCore

@Suite("MessageLog")
struct MessageLogTests {
    @Test("a message seen for the first time is new")
    func firstTimeIsNew() {
        var log = MessageLog()
        #expect(log.insert(gossip(1), now: at(0)) == .new)
        #expect(log.contains(gossip(1)))
        #expect(log.count == 1)
    }

    @Test("a message seen before is a duplicate")
    func secondTimeIsDuplicate() {
        var log = MessageLog()
        _ = log.insert(gossip(1), now: at(0))
        #expect(log.insert(gossip(1), now: at(10)) == .duplicate)
        #expect(log.count == 1)
    }

    @Test("a message received again with the same text is a duplicate, wherever it was decoded")
    func decodedCopyIsDuplicate() throws {
        var log = MessageLog()
        let original = gossip(1)
        _ = log.insert(original, now: at(0))
        guard case .gossip(let copy) = try Message(decoding: original.text[...]) else {
            Issue.record("not decoded as gossip")
            return
        }
        #expect(log.insert(copy, now: at(10)) == .duplicate)
    }

    @Test("two messages differing only in Msg# are both new")
    func differentSequenceBothNew() {
        var log = MessageLog()
        #expect(log.insert(gossip(1), now: at(0)) == .new)
        #expect(log.insert(gossip(2), now: at(0)) == .new)
        #expect(log.count == 2)
    }

    @Test("two messages differing only in their origin's port are both new")
    func differentOriginBothNew() {
        var log = MessageLog()
        #expect(log.insert(gossip(1, from: addr("127.0.0.1:6001")), now: at(0)) == .new)
        #expect(log.insert(gossip(1, from: addr("127.0.0.1:6002")), now: at(0)) == .new)
    }

    @Test("the count never exceeds the capacity")
    func capacityBound() {
        var log = MessageLog(capacity: 3)
        for sequence in 1...10 {
            _ = log.insert(gossip(sequence), now: at(Int64(sequence)))
            #expect(log.count <= 3)
        }
        #expect(log.count == 3)
    }

    @Test("past the capacity the oldest message is evicted first")
    func capacityEvictsOldest() {
        var log = MessageLog(capacity: 3)
        for sequence in 1...5 { _ = log.insert(gossip(sequence), now: at(Int64(sequence))) }
        #expect(!log.contains(gossip(1)))
        #expect(!log.contains(gossip(2)))
        #expect(log.contains(gossip(3)) && log.contains(gossip(4)) && log.contains(gossip(5)))
    }

    @Test("after many evictions the newest messages are still kept in arrival order")
    func manyEvictions() {
        var log = MessageLog(capacity: 10)
        for sequence in 1...3000 { _ = log.insert(gossip(sequence), now: at(0)) }
        #expect(log.count == 10)
        #expect(log.recent(limit: 100) == (2991...3000).map { gossip($0) })
    }

    @Test("expire drops the messages that arrived more than the retention ago")
    func expireDropsOld() {
        var log = MessageLog(retention: .seconds(60))
        _ = log.insert(gossip(1), now: at(0))
        _ = log.insert(gossip(2), now: at(30_000))
        log.expire(now: at(60_001).instant)
        #expect(!log.contains(gossip(1)))
        #expect(log.contains(gossip(2)))
        #expect(log.count == 1)
    }

    @Test("expire keeps a message that arrived exactly the retention ago")
    func expireBoundary() {
        var log = MessageLog(retention: .seconds(60))
        _ = log.insert(gossip(1), now: at(0))
        log.expire(now: at(60_000).instant)
        #expect(log.contains(gossip(1)))
    }

    @Test("a message whose timestamp is older than the retention is stale and not recorded")
    func staleMessage() {
        var log = MessageLog(retention: .seconds(60))
        let old = gossip(1, at: 0)
        #expect(log.insert(old, now: at(60_001)) == .stale)
        #expect(!log.contains(old))
        #expect(log.count == 0)
    }

    @Test("a message whose timestamp is exactly the retention old is still new")
    func staleBoundary() {
        var log = MessageLog(retention: .seconds(60))
        #expect(log.insert(gossip(1, at: 0), now: at(60_000)) == .new)
    }

    @Test("an expired message coming round again is stale, not new")
    func expiredComesRoundAsStale() {
        var log = MessageLog(retention: .seconds(60))
        let message = gossip(1, at: 0)
        _ = log.insert(message, now: at(0))
        #expect(log.insert(message, now: at(60_001)) == .stale)
    }

    @Test("recent returns the newest messages, oldest first")
    func recentNewestInArrivalOrder() {
        var log = MessageLog()
        for sequence in [3, 1, 4, 2] { _ = log.insert(gossip(sequence), now: at(0)) }
        #expect(log.recent(limit: 2) == [gossip(4), gossip(2)])
        #expect(log.recent(limit: 10) == [gossip(3), gossip(1), gossip(4), gossip(2)])
    }

    @Test("recent with limit 0 is empty")
    func recentNone() {
        var log = MessageLog()
        _ = log.insert(gossip(1), now: at(0))
        #expect(log.recent(limit: 0) == [])
    }
}

/// The hand-made table against a plain `Set` model, through many inserts and evictions.
@Suite("MessageLog table")
struct MessageLogTableTests {
    @Test(arguments: [1, 2, 7, 64] as [Int])
    func agreesWithASetModelThroughEvictions(capacity: Int) {
        var log = MessageLog(capacity: capacity, retention: .seconds(600), seed: 42)
        var model: [String] = []  // arrival order, at most `capacity`
        var rng = SeededRandom(seed: UInt64(capacity))
        let now = Now(instant: Instant(nanoseconds: 0), wall: Timestamp(milliseconds: 1_795_287_680_000))
        for _ in 0..<2000 {
            // Draw from a small space so that duplicates are common.
            let sequence = Int.random(in: 1...(capacity * 3), using: &rng)
            let message = GossipMessage(
                timestamp: Timestamp(milliseconds: 1_795_287_680_000), origin: NodeAddress(host: .loopback, port: 6001),
                sequence: sequence)
            let expected: MessageLog.Outcome = model.contains(message.text) ? .duplicate : .new
            #expect(log.insert(message, now: now) == expected)
            if expected == .new {
                model.append(message.text)
                if model.count > capacity { model.removeFirst() }
            }
            #expect(log.count == model.count)
        }
        for sequence in 1...(capacity * 3) {
            let message = GossipMessage(
                timestamp: Timestamp(milliseconds: 1_795_287_680_000), origin: NodeAddress(host: .loopback, port: 6001),
                sequence: sequence)
            #expect(log.contains(message) == model.contains(message.text))
        }
        #expect(log.recent(limit: capacity).map(\.text) == model)
    }
}
