import Testing

@testable import GossipCore

@Suite("Liveness")
struct LivenessTests {
    /// One round: a request, then its reply time-out with no reply. True when dead.
    func unansweredRound(_ liveness: inout Liveness) -> Bool {
        liveness.requestSent()
        return liveness.replyTimeoutElapsed()
    }

    @Test("with missLimit 3 the first two unanswered requests count misses without death")
    func twoMisses() {
        var liveness = Liveness(missLimit: 3)
        for expectedMisses in 1...2 {
            #expect(!unansweredRound(&liveness))
            #expect(liveness.misses == expectedMisses)
        }
    }

    @Test("with missLimit 3 the third unanswered request finds the neighbour dead")
    func deadOnThird() {
        var liveness = Liveness(missLimit: 3)
        for _ in 0..<2 { _ = unansweredRound(&liveness) }
        #expect(unansweredRound(&liveness))
        #expect(liveness.misses == 3)
    }

    @Test("a time-out with no request outstanding counts nothing")
    func timeoutWithoutRequest() {
        var liveness = Liveness(missLimit: 1)
        let dead = liveness.replyTimeoutElapsed()
        #expect(!dead)
        #expect(liveness.misses == 0)
    }

    @Test("a reply resets the count of misses")
    func replyResets() {
        var liveness = Liveness(missLimit: 3)
        for _ in 0..<2 { _ = unansweredRound(&liveness) }
        liveness.replyReceived()
        #expect(liveness.misses == 0)
        #expect(!liveness.awaitingReply)
        for _ in 0..<2 { #expect(!unansweredRound(&liveness)) }
        #expect(unansweredRound(&liveness))
    }

    @Test("a reply before each time-out keeps the neighbour alive forever")
    func answeredNeverDies() {
        var liveness = Liveness(missLimit: 3)
        for _ in 0..<20 {
            liveness.requestSent()
            liveness.replyReceived()
            let dead = liveness.replyTimeoutElapsed()
            #expect(!dead)
        }
    }

    @Test("with missLimit 1 the first unanswered request finds the neighbour dead")
    func missLimitOne() {
        var liveness = Liveness(missLimit: 1)
        #expect(unansweredRound(&liveness))
    }
}
