import Testing

@testable import GossipCore

/// PeerProtocol: liveness requests to neighbours and Dead Node reports to the seeds.
@Suite("PeerProtocol liveness")
struct PeerLivenessTests {
    let me = PeerFixture.me
    let p2 = addr("127.0.0.1:6002")

    /// A peer linked to 6002 (with livenessMisses 3), and the link.
    func linked() -> (PeerFixture, ConnectionID) {
        var fixture = PeerFixture()
        let id = fixture.linkOutbound(to: p2)
        return (fixture, id)
    }

    /// The reply time-out: half the interval by default.
    static let timeout = PeerFixture.livenessInterval / 2

    /// Runs `count` liveness rounds (requests, then their reply time-out), one interval apart,
    /// the seeds answering each renewal; returns the actions of the last time-out.
    func fireLiveness(_ fixture: inout PeerFixture, times count: Int, seedsAnswer: Bool = true) -> [Action] {
        var last: [Action] = []
        for _ in 0..<count {
            _ = startRound(&fixture, seedsAnswer: seedsAnswer)
            last = fixture.fire(.livenessTimeout, after: Self.timeout)
        }
        return last
    }

    /// Fires the liveness timer; the seeds answer the renewals it sends, if `seedsAnswer`.
    func startRound(_ fixture: inout PeerFixture, seedsAnswer: Bool = true) -> [Action] {
        let round = fixture.fire(.liveness, after: PeerFixture.livenessInterval - Self.timeout)
        if seedsAnswer { for case (let id, .register) in sends(round) { _ = fixture.line(id, "Peer List:") } }
        return round
    }

    func deadNodeReports(_ actions: [Action]) -> [(ConnectionID, Message)] {
        sends(actions).filter { if case .deadNode = $0.1 { true } else { false } }
    }

    @Test("the liveness timer sends each linked neighbour a Liveness Request and re-arms itself")
    func requestSent() {
        var (fixture, id) = linked()
        let actions = fixture.fire(.liveness, after: PeerFixture.livenessInterval)
        #expect(sent(on: id, actions) == [.livenessRequest(timestamp: fixture.now.wall, sender: me)])
        #expect(schedules(actions)[.liveness] == fixture.now.instant + PeerFixture.livenessInterval)
        #expect(schedules(actions)[.livenessTimeout] == fixture.now.instant + Self.timeout)
    }

    @Test("a request answered before its time-out is not counted as missed")
    func answeredInTime() {
        var (fixture, id) = linked()
        for _ in 0..<5 {
            _ = fixture.fire(.liveness, after: PeerFixture.livenessInterval - Self.timeout)
            _ = fixture.line(id, "Liveness Reply:\(fixture.now.wall):127.0.0.1:6001:127.0.0.1:6002")
            #expect(deadNodeReports(fixture.fire(.livenessTimeout, after: Self.timeout)).isEmpty)
        }
        #expect(fixture.peer.linkedNeighbours == [p2])
    }

    @Test("no Dead Node is reported before livenessMisses requests have timed out")
    func noReportBeforeMissLimit() {
        var (fixture, id) = linked()
        for _ in 0..<2 {
            let request = fixture.fire(.liveness, after: PeerFixture.livenessInterval - Self.timeout)
            #expect(sent(on: id, request).count == 1)
            #expect(deadNodeReports(fixture.fire(.livenessTimeout, after: Self.timeout)).isEmpty)
        }
        _ = fixture.fire(.liveness, after: PeerFixture.livenessInterval - Self.timeout)
        #expect(fixture.peer.linkedNeighbours == [p2], "the third request is still waiting for its reply")
    }

    @Test("after livenessMisses unanswered requests the neighbour is reported dead to every seed it is registered with")
    func reportedToItsSeeds() {
        var (fixture, _) = linked()
        let actions = fireLiveness(&fixture, times: 3)
        let report = Message.deadNode(dead: p2, timestamp: fixture.now.wall, reporter: me)
        let seedOf = Dictionary(uniqueKeysWithValues: fixture.seedConnections)
        let sentTo = deadNodeReports(actions)
        #expect(sentTo.allSatisfy { $0.1 == report })
        #expect(Set(sentTo.compactMap { seedOf[$0.0] }) == Set(fixture.peer.registeredSeeds))
        #expect(sentTo.count == 2)
    }

    @Test("the Dead Node report reads Dead Node:<dead>:<timestamp>:<self>")
    func reportFormat() {
        var (fixture, _) = linked()
        let actions = fireLiveness(&fixture, times: 3)
        #expect(deadNodeReports(actions).first?.1.encoded == "Dead Node:127.0.0.1:6002:1795287683.000:127.0.0.1:6001")
    }

    @Test("the Dead Node report is logged")
    func reportLogged() {
        var (fixture, _) = linked()
        let actions = fireLiveness(&fixture, times: 3)
        let line = Message.deadNode(dead: p2, timestamp: fixture.now.wall, reporter: me).encoded
        #expect(events(actions).contains(.reportingDead(p2, misses: 3, report: line)))
    }

    @Test("the dead neighbour's link is closed and the neighbour dropped")
    func deadLinkClosed() {
        var (fixture, id) = linked()
        let actions = fireLiveness(&fixture, times: 3)
        #expect(closes(actions) == [id])
        #expect(fixture.peer.neighbourOrder.isEmpty)
        #expect(fixture.peer.linkedNeighbours.isEmpty)
    }

    @Test("a dead neighbour is reported once")
    func reportedOnce() {
        var (fixture, _) = linked()
        _ = fireLiveness(&fixture, times: 3)
        #expect(deadNodeReports(fireLiveness(&fixture, times: 1)).isEmpty)
    }

    @Test("a Liveness Reply in between resets the count of misses")
    func replyResets() {
        var (fixture, id) = linked()
        _ = fireLiveness(&fixture, times: 2)
        _ = fixture.line(id, "Liveness Reply:\(fixture.now.wall):127.0.0.1:6001:127.0.0.1:6002")
        for _ in 0..<2 {
            let request = startRound(&fixture)
            #expect(sent(on: id, request) == [.livenessRequest(timestamp: fixture.now.wall, sender: me)])
            #expect(deadNodeReports(fixture.fire(.livenessTimeout, after: Self.timeout)).isEmpty)
        }
        #expect(!deadNodeReports(fireLiveness(&fixture, times: 1)).isEmpty)
    }

    @Test("with livenessMisses 1 the first request without a reply reports the neighbour dead")
    func missLimitOne() {
        var fixture = PeerFixture { $0.livenessMisses = 1 }
        _ = fixture.linkOutbound(to: p2)
        #expect(!deadNodeReports(fireLiveness(&fixture, times: 1)).isEmpty)
    }

    @Test("a neighbour whose link is down misses its requests and is reported all the same")
    func downLinkCountsAsMissed() {
        var (fixture, id) = linked()
        _ = fixture.handle(.closed(id, .endOfStream))
        #expect(deadNodeReports(fireLiveness(&fixture, times: 2)).isEmpty)
        #expect(!deadNodeReports(fireLiveness(&fixture, times: 1)).isEmpty)
    }

    @Test("both ends dial a lost link again: a peer that forgot the link is not reported dead")
    func acceptingEndRedials() throws {
        var fixture = PeerFixture()
        _ = fixture.register()
        let (id, _) = fixture.linkInboundVerified(from: p2)
        _ = fixture.handle(.closed(id, .endOfStream))
        let tick = fixture.fire(.liveness, after: PeerFixture.livenessInterval - Self.timeout)
        let (dial, to) = try #require(connects(tick).first)
        #expect(to == p2, "the end that accepted the link dials it again")
        #expect(fixture.handle(.connected(dial)) == [.send(dial, .linkRequest(me))])
        _ = fixture.line(dial, "Link Accepted:127.0.0.1:6002")
        #expect(fixture.peer.linkedNeighbours == [p2])
        _ = fixture.line(dial, "Liveness Reply:\(fixture.now.wall):127.0.0.1:6001:127.0.0.1:6002")
        #expect(deadNodeReports(fixture.fire(.livenessTimeout, after: Self.timeout)).isEmpty)
    }

    @Test("a connection that does not say who it is within the identify time-out is closed, with the reason")
    func silentInboundClosed() throws {
        var fixture = PeerFixture { $0.identifyTimeout = .milliseconds(500) }
        _ = fixture.register()
        let id = ConnectionID(.inbound, 99)
        let accepted = fixture.handle(.accepted(id, remote: addr("127.0.0.1:45000")))
        let due = try #require(schedules(accepted)[.connectionDeadline])
        #expect(due == fixture.now.instant + .milliseconds(500))
        let actions = fixture.fire(.connectionDeadline, after: .milliseconds(500))
        #expect(closes(actions) == [id])
        #expect(sentError(on: id, actions))
        #expect(events(actions).contains { if case .unidentifiedClosed(_, .milliseconds(500)) = $0 { true } else { false } })
    }

    @Test("a connection that asked for a link in time is not closed by its deadline")
    func identifiedInboundKept() {
        var fixture = PeerFixture { $0.identifyTimeout = .milliseconds(500) }
        _ = fixture.register()
        let (id, _) = fixture.linkInboundVerified(from: p2)
        let actions = fixture.fire(.connectionDeadline, after: .milliseconds(500))
        #expect(!closes(actions).contains(id))
        #expect(fixture.peer.linkedNeighbours == [p2])
    }

    /// Rounds 1 to 4, seeds silent: renewals every other round, so the first goes out in round
    /// 2 and is found unanswered in round 4.
    @Test("a seed that leaves a renewal unanswered until the next gets a fresh connection")
    func stuckSeedConnectionReplaced() {
        var (fixture, id) = linked()
        var rounds: [[Action]] = []
        for _ in 0..<4 {
            rounds.append(startRound(&fixture, seedsAnswer: false))
            _ = fixture.line(id, "Liveness Reply:\(fixture.now.wall):127.0.0.1:6001:127.0.0.1:6002")
            _ = fixture.fire(.livenessTimeout, after: Self.timeout)
        }
        func renewals(_ actions: [Action]) -> [ConnectionID] {
            sends(actions).filter { if case .register = $0.1 { true } else { false } }.map(\.0)
        }
        #expect(renewals(rounds[0]).isEmpty && renewals(rounds[2]).isEmpty, "renewals every other round")
        #expect(renewals(rounds[1]).count == 2)
        #expect(Set(closes(rounds[3])) == Set(renewals(rounds[1])))
        #expect(Set(connects(rounds[3]).map(\.1)) == Set(fixture.peer.registeredSeeds))
    }

    @Test("a report a seed could not be given is sent again while fresh, and dropped once two intervals old")
    func undeliveredReportRetriedWhileFresh() throws {
        var (fixture, id) = linked()
        // Round 1 answered; rounds 2 to 4 missed, so the report comes at round 4's time-out, when
        // round 4 has just replaced the seed connections that left round 2's renewal unanswered.
        _ = startRound(&fixture, seedsAnswer: false)
        _ = fixture.line(id, "Liveness Reply:\(fixture.now.wall):127.0.0.1:6001:127.0.0.1:6002")
        _ = fixture.fire(.livenessTimeout, after: Self.timeout)
        _ = fireLiveness(&fixture, times: 2, seedsAnswer: false)
        let reconnects = connects(startRound(&fixture, seedsAnswer: false))
        let report = fixture.fire(.livenessTimeout, after: Self.timeout)
        #expect(events(report).contains { $0.kind == .reportingDead && $0.subject == addr("127.0.0.1:6002") })
        let (lostID, seed) = try #require(reconnects.first)
        let lost = fixture.handle(.connectFailed(lostID, reason: "Connection timed out"))
        let (rejoin, _) = try #require(connects(lost).first { $0.1 == seed })
        let retry = startRound(&fixture, seedsAnswer: false)
        #expect(events(retry).contains { $0.kind == .reportResent && $0.subject == seed })
        _ = fixture.handle(.connectFailed(rejoin, reason: "Connection timed out"))
        _ = fixture.fire(.livenessTimeout, after: Self.timeout)
        let late = fixture.fire(.liveness, after: PeerFixture.livenessInterval * 2)
        #expect(events(late).contains { $0.kind == .reportDropped && $0.subject == seed })
    }

    @Test("a neighbour's request in the second half of our interval takes the round along")
    func roundJoinsALateRequest() {
        var (fixture, id) = linked()
        // The first round is due one interval after start; 0.55 of it has passed.
        fixture.time += PeerFixture.livenessInterval.wholeMilliseconds * 55 / 100
        let actions = fixture.line(id, "Liveness Request:\(fixture.now.wall):127.0.0.1:6002")
        #expect(
            sent(on: id, actions) == [
                .livenessReply(timestamp: fixture.now.wall, sender: addr("127.0.0.1:6002"), replier: me),
                .livenessRequest(timestamp: fixture.now.wall, sender: me),
            ])
        #expect(schedules(actions)[.liveness] == fixture.now.instant + PeerFixture.livenessInterval * 9 / 8)
    }

    @Test("a neighbour's request in the first half of our interval is only answered")
    func earlyRequestOnlyAnswered() {
        var (fixture, id) = linked()
        fixture.time += PeerFixture.livenessInterval.wholeMilliseconds * 45 / 100
        let actions = fixture.line(id, "Liveness Request:\(fixture.now.wall):127.0.0.1:6002")
        #expect(
            sent(on: id, actions) == [.livenessReply(timestamp: fixture.now.wall, sender: addr("127.0.0.1:6002"), replier: me)])
        #expect(schedules(actions)[.liveness] == nil)
    }
}
