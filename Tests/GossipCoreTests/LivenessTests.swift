import Testing

@testable import GossipCore

@Suite("Liveness")
struct LivenessTests {
    @Test("with missLimit 3 the first three checks send requests, counting 0, 1 and 2 misses")
    func threeRequests() {
        var liveness = Liveness(missLimit: 3)
        for expectedMisses in 0..<3 {
            #expect(liveness.check() == .sendRequest)
            #expect(liveness.misses == expectedMisses)
            #expect(liveness.awaitingReply)
        }
    }

    @Test("with missLimit 3 the fourth check without replies finds the neighbour dead")
    func deadOnFourthCheck() {
        var liveness = Liveness(missLimit: 3)
        for _ in 0..<3 { _ = liveness.check() }
        #expect(liveness.check() == .dead)
        #expect(liveness.misses == 3)
    }

    @Test("a dead neighbour stays dead")
    func staysDead() {
        var liveness = Liveness(missLimit: 3)
        for _ in 0..<4 { _ = liveness.check() }
        #expect(liveness.check() == .dead)
    }

    @Test("a reply resets the count of misses")
    func replyResets() {
        var liveness = Liveness(missLimit: 3)
        for _ in 0..<3 { _ = liveness.check() }
        liveness.replyReceived()
        #expect(liveness.misses == 0)
        #expect(!liveness.awaitingReply)
        for _ in 0..<3 { #expect(liveness.check() == .sendRequest) }
        #expect(liveness.check() == .dead)
    }

    @Test("a reply before each check keeps the neighbour alive forever")
    func answeredNeverDies() {
        var liveness = Liveness(missLimit: 3)
        for _ in 0..<20 {
            #expect(liveness.check() == .sendRequest)
            liveness.replyReceived()
        }
    }

    @Test("with missLimit 1 the second check without a reply finds the neighbour dead")
    func missLimitOne() {
        var liveness = Liveness(missLimit: 1)
        #expect(liveness.check() == .sendRequest)
        #expect(liveness.check() == .dead)
    }
}
