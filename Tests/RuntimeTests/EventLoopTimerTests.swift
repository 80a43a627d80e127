import GossipCore
import Testing

@testable import GossipRuntime

/// How the real shell fires the instance's timers (`TimerTable`, `EventLoop.fireTimers`).
@Suite struct EventLoopTimerTests {
    @Test func timersDueInOneTurnFireInArmingOrder() throws {
        let harness = try LoopHarness(atStart: { now in
            let at = now.instant + .milliseconds(20)
            // Arming `.livenessTimeout` again puts it behind the others.
            return [
                .schedule(.livenessTimeout, at: at), .schedule(.gossip, at: at), .schedule(.liveness, at: at),
                .schedule(.livenessTimeout, at: at),
            ]
        })
        #expect(harness.turn(until: { harness.instance.firedTimers.count == 3 }))
        #expect(harness.instance.firedTimers == [.gossip, .liveness, .livenessTimeout])
    }

    @Test func aTimerCancelledByAnEarlierHandlerInTheSameTurnDoesNotFire() throws {
        let harness = try LoopHarness(
            atStart: { now in
                let at = now.instant + .milliseconds(20)
                return [.schedule(.gossip, at: at), .schedule(.liveness, at: at)]
            },
            script: { event, _, _ in event == .timer(.gossip) ? [.cancel(.liveness)] : [] })
        #expect(harness.turn(until: { !harness.instance.firedTimers.isEmpty }))
        harness.turns(10)
        #expect(harness.instance.firedTimers == [.gossip])
    }

    @Test func aRescheduledTimerFiresOnlyAtItsNewDeadline() throws {
        let harness = try LoopHarness(atStart: { now in
            [.schedule(.gossip, at: now.instant + .milliseconds(10)), .schedule(.gossip, at: now.instant + .seconds(3600))]
        })
        harness.turns(10)
        #expect(harness.instance.firedTimers.isEmpty)
    }
}
