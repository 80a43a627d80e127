import GossipCore
import Testing

/// The one timer contract every shell uses (`TimerTable`).
@Suite struct TimerTableTests {
    static func ms(_ value: Int64) -> Instant { Instant(nanoseconds: value * 1_000_000) }

    @Test func schedulingAgainReplacesTheDeadline() {
        var table = TimerTable<TimerID>()
        table.schedule(.liveness, at: Self.ms(100))
        table.schedule(.liveness, at: Self.ms(300))
        #expect(table.popDue(now: Self.ms(200)) == nil, "the replaced deadline must not fire")
        #expect(table.popDue(now: Self.ms(300)) == .liveness)
        #expect(table.popDue(now: Self.ms(1000)) == nil, "it fires once")
    }

    @Test func cancelDisarms() {
        var table = TimerTable<TimerID>()
        table.schedule(.gossip, at: Self.ms(100))
        table.cancel(.gossip)
        #expect(table.popDue(now: Self.ms(1000)) == nil)
        #expect(table.nextDeadline == nil)
        #expect(table.isEmpty)
    }

    @Test func aStaleTokenIsIgnored() {
        var table = TimerTable<TimerID>()
        let first = table.schedule(.liveness, at: Self.ms(100))
        let second = table.schedule(.liveness, at: Self.ms(100))  // same deadline, new arming
        #expect(!table.isCurrent(.liveness, token: first))
        let staleFired = table.fire(.liveness, token: first)
        #expect(!staleFired)
        #expect(table.isCurrent(.liveness, token: second))
        let currentFired = table.fire(.liveness, token: second)
        #expect(currentFired)
        let firedTwice = table.fire(.liveness, token: second)
        #expect(!firedTwice, "a fired arming is spent")
    }

    @Test func aCancelledArmingsTokenIsStale() {
        var table = TimerTable<TimerID>()
        let token = table.schedule(.gossip, at: Self.ms(100))
        table.cancel(.gossip)
        let cancelledFired = table.fire(.gossip, token: token)
        #expect(!cancelledFired)
        let again = table.schedule(.gossip, at: Self.ms(100))
        #expect(again != token)
        let oldFired = table.fire(.gossip, token: token)
        #expect(!oldFired)
        let newFired = table.fire(.gossip, token: again)
        #expect(newFired)
    }

    @Test func equalDeadlinesFireInArmingOrder() {
        var table = TimerTable<TimerID>()
        table.schedule(.livenessTimeout, at: Self.ms(100))
        table.schedule(.gossip, at: Self.ms(100))
        table.schedule(.liveness, at: Self.ms(100))
        // Re-arming moves a timer to the back of its deadline's queue.
        table.schedule(.livenessTimeout, at: Self.ms(100))
        var fired: [TimerID] = []
        while let id = table.popDue(now: Self.ms(100)) { fired.append(id) }
        #expect(fired == [.gossip, .liveness, .livenessTimeout])
    }

    @Test func earlierDeadlinesFireFirstWhateverTheArmingOrder() {
        var table = TimerTable<TimerID>()
        table.schedule(.gossip, at: Self.ms(300))
        table.schedule(.liveness, at: Self.ms(100))
        table.schedule(.livenessTimeout, at: Self.ms(200))
        var fired: [TimerID] = []
        while let id = table.popDue(now: Self.ms(300)) { fired.append(id) }
        #expect(fired == [.liveness, .livenessTimeout, .gossip])
    }

    @Test func nothingIsDueBeforeItsDeadline() {
        var table = TimerTable<TimerID>()
        table.schedule(.gossip, at: Self.ms(100))
        #expect(table.popDue(now: Self.ms(99)) == nil)
        #expect(table.popDue(now: Instant(nanoseconds: 99_999_999)) == nil)
        #expect(table.popDue(now: Self.ms(100)) == .gossip, "due at its deadline exactly")
    }

    @Test func nextDeadlineIsTheEarliestArmed() {
        var table = TimerTable<TimerID>()
        #expect(table.nextDeadline == nil)
        table.schedule(.gossip, at: Self.ms(300))
        table.schedule(.liveness, at: Self.ms(100))
        #expect(table.nextDeadline == Self.ms(100))
        table.cancel(.liveness)
        #expect(table.nextDeadline == Self.ms(300))
        #expect(table.deadline(of: .gossip) == Self.ms(300))
        #expect(table.deadline(of: .liveness) == nil)
    }

    @Test func worksForAnyHashableID() {
        var table = TimerTable<String>()
        table.schedule("b", at: Self.ms(5))
        table.schedule("a", at: Self.ms(5))
        #expect(table.popDue(now: Self.ms(5)) == "b")
        #expect(table.popDue(now: Self.ms(5)) == "a")
    }
}
