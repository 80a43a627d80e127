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

    @Test("the recent messages kept never exceed the capacity")
    func capacityBound() {
        var log = MessageLog(capacity: 3)
        for sequence in 1...10 {
            _ = log.insert(gossip(sequence), now: at(Int64(sequence)))
            #expect(log.count <= 3)
        }
        #expect(log.count == 3)
    }

    @Test("past the capacity the oldest message leaves the recent ones, and is still a duplicate")
    func capacityEvictsOldestFromRecentOnly() {
        var log = MessageLog(capacity: 3)
        for sequence in 1...5 { _ = log.insert(gossip(sequence), now: at(Int64(sequence))) }
        #expect(log.recent(limit: 10) == [gossip(3), gossip(4), gossip(5)])
        #expect(log.contains(gossip(1)) && log.contains(gossip(2)))
        #expect(log.insert(gossip(1), now: at(10)) == .duplicate)
    }

    @Test("after many evictions the newest messages are still kept in arrival order")
    func manyEvictions() {
        var log = MessageLog(capacity: 10)
        for sequence in 1...3000 { _ = log.insert(gossip(sequence), now: at(0)) }
        #expect(log.count == 10)
        #expect(log.recent(limit: 100) == (2991...3000).map { gossip($0) })
    }

    @Test("no number of newer messages lets an old one back in (issue 11: 65,536 evicted it)")
    func noEvictionReopensTheHole() {
        var log = MessageLog()
        let first = gossip(1, from: addr("127.0.0.1:7001"))
        #expect(log.insert(first, now: at(0)) == .new)
        for k in 0..<70_000 {
            // Distinct origins and numbers: more messages than the old table held.
            let origin = NodeAddress(host: .ipv4(10, 0, UInt8(k >> 8 & 0xFF), UInt8(k & 0xFF)), port: UInt16(1 + k % 7))
            _ = log.insert(gossip(1 + k / 65_536, at: 1, from: origin), now: at(1))
        }
        #expect(log.insert(first, now: at(2)) != .new)
    }

    @Test("expire drops the messages that arrived more than the retention ago from the recent ones")
    func expireDropsOld() {
        var log = MessageLog(retention: .seconds(60))
        _ = log.insert(gossip(1), now: at(0))
        _ = log.insert(gossip(2, at: 30_000), now: at(30_000))
        log.expire(now: at(60_001))
        #expect(log.recent(limit: 10) == [gossip(2, at: 30_000)])
        #expect(log.count == 1)
        // Still not new: stale.
        #expect(log.insert(gossip(1), now: at(60_001)) == .stale)
    }

    @Test("expire keeps a message that arrived exactly the retention ago")
    func expireBoundary() {
        var log = MessageLog(retention: .seconds(60))
        _ = log.insert(gossip(1), now: at(0))
        log.expire(now: at(60_000))
        #expect(log.recent(limit: 1) == [gossip(1)])
        #expect(log.contains(gossip(1)))
    }

    @Test("a message whose timestamp is older than the retention is stale and not recorded")
    func staleMessage() {
        var log = MessageLog(retention: .seconds(60))
        let old = gossip(1, at: 0)
        #expect(log.insert(old, now: at(60_001)) == .stale)
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

/// The exact record against a plain `Set` model, through many inserts, in any order.
@Suite("MessageLog record")
struct MessageLogRecordTests {
    @Test(arguments: [1, 2, 7, 64] as [Int])
    func agreesWithASetModel(capacity: Int) {
        var log = MessageLog(capacity: capacity, retention: .seconds(600))
        var model: Set<String> = []
        var rng = SeededRandom(seed: UInt64(capacity))
        let now = Now(instant: Instant(nanoseconds: 0), wall: Timestamp(milliseconds: 1_795_287_680_000))
        for _ in 0..<2000 {
            // Draw from a small space so that duplicates are common; one origin, one run
            // (the timestamp grows with the number), numbers arriving in any order.
            let sequence = Int.random(in: 1...(capacity * 3), using: &rng)
            let message = GossipMessage(
                timestamp: Timestamp(milliseconds: 1_795_287_670_000 + Int64(sequence)),
                origin: NodeAddress(host: .loopback, port: 6001), sequence: sequence)
            let expected: MessageLog.Outcome = model.contains(message.text) ? .duplicate : .new
            #expect(log.insert(message, now: now) == expected)
            model.insert(message.text)
            #expect(log.count == min(model.count, capacity))
        }
        for sequence in 1...(capacity * 3) {
            let message = GossipMessage(
                timestamp: Timestamp(milliseconds: 1_795_287_670_000 + Int64(sequence)),
                origin: NodeAddress(host: .loopback, port: 6001), sequence: sequence)
            #expect(log.contains(message) == model.contains(message.text))
        }
    }
}
