import Glibc
import GossipCore
import Testing

@testable import GossipRuntime

/// Fair, bounded turns (docs/PROTOCOL.md, "Bounded work"): a turn delivers at most
/// `maxLinesPerTurn` lines, shared by the connections with input, in a rotating order; input
/// beyond a share waits for the next turn, which does not wait for the sockets; timers fire
/// between turns, whatever arrives.
@Suite struct EventLoopBudgetTests {
    /// The lines the instance was given, per connection.
    static func lines(_ instance: ScriptedInstance) -> [ConnectionID: Int] {
        var counts: [ConnectionID: Int] = [:]
        for case .line(let id, _) in instance.events { counts[id, default: 0] += 1 }
        return counts
    }

    static func lineCount(_ instance: ScriptedInstance) -> Int { lines(instance).values.reduce(0, +) }

    @Test func aTurnDeliversNoMoreLinesThanItsBudgetAndTheRestComesNextTurnWithoutWaiting() throws {
        var limits = EventLoop<ScriptedInstance>.Limits()
        limits.maxLinesPerTurn = 100
        limits.minLinesPerTurn = 100  // Fixed budgets here; their adaptation is tested below.
        let harness = try LoopHarness(limits: limits)
        let client = try TestClient(port: harness.port)
        #expect(harness.turn(until: { harness.instance.accepted.count == 1 }))
        client.send(String(repeating: "x\n", count: 1000))
        var perTurn: [Int] = []
        let start = SystemClock.monotonic()
        // Each turn may wait up to 2 s for the sockets: the lines held over must not make it wait.
        while Self.lineCount(harness.instance) < 1000 && perTurn.count < 50 {
            let before = Self.lineCount(harness.instance)
            #expect(harness.loop.turn(maxWait: 2000) == nil)
            perTurn.append(Self.lineCount(harness.instance) - before)
        }
        let elapsed = SystemClock.monotonic() - start
        #expect(Self.lineCount(harness.instance) == 1000)
        #expect(perTurn.max() == 100, "at most the budget per turn: \(perTurn)")
        #expect(perTurn.filter { $0 == 100 }.count == 10)
        #expect(elapsed < .seconds(1), "no turn waited for the sockets while lines were held over (\(elapsed))")
        // In order, none lost: every line is `x`.
        #expect(harness.instance.events.allSatisfy { if case .line(_, let text) = $0 { text == "x" } else { true } })
    }

    @Test func busyConnectionsShareATurnEqually() throws {
        var limits = EventLoop<ScriptedInstance>.Limits()
        limits.maxLinesPerTurn = 100
        limits.minLinesPerTurn = 100  // Fixed budgets here; their adaptation is tested below.
        let harness = try LoopHarness(limits: limits)
        let clients = try (0..<2).map { _ in try TestClient(port: harness.port) }
        #expect(harness.turn(until: { harness.instance.accepted.count == 2 }))
        for client in clients { client.send(String(repeating: "x\n", count: 20_000)) }
        #expect(harness.loop.turn(maxWait: 1000) == nil)
        let counts = Self.lines(harness.instance)
        #expect(counts.count == 2 && counts.values.allSatisfy { $0 == 50 }, "50 lines each: \(counts)")
    }

    @Test func whenSharesRunOutTheConnectionsLeftOutAreServedFirstNextTurn() throws {
        var limits = EventLoop<ScriptedInstance>.Limits()
        limits.maxLinesPerTurn = 2
        limits.minLinesPerTurn = 2
        let harness = try LoopHarness(limits: limits)
        let clients = try (0..<4).map { _ in try TestClient(port: harness.port) }
        #expect(harness.turn(until: { harness.instance.accepted.count == 4 }))
        for client in clients { client.send(String(repeating: "x\n", count: 10)) }
        // Four busy connections, two lines a turn: one line each for two of them, then the other two.
        #expect(harness.loop.turn(maxWait: 1000) == nil)
        #expect(Self.lines(harness.instance).count == 2)
        #expect(harness.loop.turn(maxWait: 1000) == nil)
        let counts = Self.lines(harness.instance)
        #expect(counts.count == 4 && counts.values.allSatisfy { $0 == 1 }, "one line each after two turns: \(counts)")
        // And so on, round after round: after 20 turns, all 40 lines, 10 each.
        for _ in 0..<18 { #expect(harness.loop.turn(maxWait: 1000) == nil) }
        #expect(Self.lines(harness.instance).values.sorted() == [10, 10, 10, 10])
    }

    @Test func aQuietConnectionsLineIsServedInTheTurnItArrivesHoweverManyKeepSending() throws {
        var limits = EventLoop<ScriptedInstance>.Limits()
        limits.maxLinesPerTurn = 4
        limits.minLinesPerTurn = 4
        let harness = try LoopHarness(limits: limits)
        let quiet = try TestClient(port: harness.port)
        #expect(harness.turn(until: { harness.instance.accepted.count == 1 }))
        let quietID = harness.instance.accepted[0]
        // 40 connections keep sending: a turn of 4 lines serves a tenth of them.
        let flooders = try (0..<40).map { _ in try TestClient(port: harness.port) }
        #expect(harness.turn(until: { harness.instance.accepted.count == 41 }))
        for flooder in flooders { flooder.send(String(repeating: "x\n", count: 100)) }
        for _ in 0..<3 { #expect(harness.loop.turn(maxWait: 1000) == nil) }
        quiet.send("Liveness Request\n")
        #expect(harness.loop.turn(maxWait: 1000) == nil)
        #expect(harness.instance.events.contains(.line(quietID, "Liveness Request")), "served in the turn its line came")
    }

    @Test func timersFireBetweenTurnsWhateverArrives() throws {
        var limits = EventLoop<ScriptedInstance>.Limits()
        limits.maxLinesPerTurn = 100
        limits.minLinesPerTurn = 100  // Fixed budgets here; their adaptation is tested below.
        // A timer due again a nanosecond after it fires: due at the end of every turn.
        let harness = try LoopHarness(
            limits: limits, atStart: { now in [.schedule(.gossip, at: now.instant)] },
            script: { event, now, _ in
                event == .timer(.gossip) ? [.schedule(.gossip, at: now.instant + .nanoseconds(1))] : []
            })
        let client = try TestClient(port: harness.port)
        #expect(harness.turn(until: { harness.instance.accepted.count == 1 }))
        client.send(String(repeating: "x\n", count: 1000))
        #expect(harness.turn(until: { Self.lineCount(harness.instance) == 1000 }))
        var run = 0
        var longest = 0
        for event in harness.instance.events {
            if case .line = event { run += 1 } else if event == .timer(.gossip) { run = 0 }
            longest = max(longest, run)
        }
        #expect(longest <= 100, "at most a turn's lines between two firings of a due timer (\(longest))")
    }

    @Test func aReadIsSizedForTheShare() {
        #expect(TurnBudget.share(linesPerTurn: 4096, busy: 0) == 4096)
        #expect(TurnBudget.share(linesPerTurn: 4096, busy: 250) == 16)
        #expect(TurnBudget.share(linesPerTurn: 4096, busy: 10_000) == 1)
        #expect(TurnBudget.readSize(lines: 4096, maxRead: 65536) == 65536)
        #expect(TurnBudget.readSize(lines: 16, maxRead: 65536) == 1024)
        #expect(TurnBudget.readSize(lines: 1, maxRead: 65536) == 512)
        #expect(TurnBudget.readSize(lines: .max, maxRead: 65536) == 65536)
    }

    @Test func aTurnsLinesStartSmallGrowWhileCheapHalveWhenDearAndRestartAfterQuiet() {
        var budget = TurnBudget(maximum: 4096, minimum: 64, target: .milliseconds(10))
        #expect(budget.lines == 64, "a burst's first turn costs few lines")
        budget.turnTook(.milliseconds(2), delivered: 64)
        #expect(budget.lines == 80)
        budget.turnTook(.milliseconds(2), delivered: 10)
        #expect(budget.lines == 80, "a turn that did not use its lines says nothing about their cost")
        for _ in 0..<100 { budget.turnTook(.milliseconds(2), delivered: budget.lines) }
        #expect(budget.lines == 4096, "never above the maximum")
        budget.turnTook(.milliseconds(40), delivered: 4096)
        #expect(budget.lines == 2048)
        for _ in 0..<10 { budget.turnTook(.milliseconds(40), delivered: budget.lines) }
        #expect(budget.lines == 64, "never below the minimum")
        for _ in 0..<100 { budget.turnTook(.milliseconds(2), delivered: budget.lines) }
        budget.turnWasQuiet()
        #expect(budget.lines == 64, "after a quiet turn, small again")
    }
}
