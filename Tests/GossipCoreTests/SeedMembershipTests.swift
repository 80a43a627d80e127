import Testing

@testable import GossipCore

/// A seed at 127.0.0.1:5001 with a liveness interval of 1 s, and peers registered on
/// connections of their own.
private struct MembershipDriver {
    static let seedAddress = addr("127.0.0.1:5001")
    var seed: SeedProtocol
    var time: Int64 = 0
    var nextConnection = 1
    /// Each registered peer's connection.
    var connectionOf: [NodeAddress: ConnectionID] = [:]

    init() {
        var settings = SeedSettings(address: Self.seedAddress)
        settings.livenessInterval = .seconds(1)
        seed = SeedProtocol(settings: settings, rng: SeededRandom(seed: 5))
        _ = seed.start(now: at(0))
    }

    var now: Now { at(time) }

    mutating func accept(from host: NodeAddress.Host = .loopback) -> ConnectionID {
        let id = ConnectionID(.inbound, nextConnection)
        nextConnection += 1
        _ = seed.handle(.accepted(id, remote: NodeAddress(host: host, port: UInt16(40_000 + nextConnection))), now: now)
        return id
    }

    /// Each peer registers (on its own connection) and answers the seed's probe of its address.
    @discardableResult
    mutating func register(_ peers: NodeAddress...) -> [Action] {
        var actions: [Action] = []
        for peer in peers {
            let id = connectionOf[peer] ?? accept(from: peer.host)
            connectionOf[peer] = id
            actions = seed.handle(.line(id, "Register:\(peer)"), now: now)
            // The peer listens on its address: it answers the seed's probe, and is listed.
            actions += answerProbes(of: &seed, in: actions, now: now)
        }
        return actions
    }

    mutating func line(_ id: ConnectionID, _ text: String) -> [Action] { seed.handle(.line(id, text), now: now) }

    mutating func handle(_ event: Event) -> [Action] { seed.handle(event, now: now) }

    /// Lets time pass, then runs the periodic check.
    mutating func check(after milliseconds: Int64) -> [Action] {
        time += milliseconds
        return seed.handle(.timer(.membership), now: now)
    }

    /// `reporter` reports `dead` over its own registered connection.
    mutating func report(_ dead: NodeAddress, by reporter: NodeAddress) -> [Action] {
        line(connectionOf[reporter]!, "Dead Node:\(dead):1795287680.731:\(reporter)")
    }

    func status(_ peer: NodeAddress) -> SeedMembership.Status? { seed.membership.status(of: peer) }
    func isSuspect(_ peer: NodeAddress) -> Bool { if case .suspect = status(peer) { true } else { false } }
}

@Suite("Seed membership: confirm before dropping")
struct SeedMembershipTests {
    let p1 = addr("127.0.0.1:6001")
    let p2 = addr("127.0.0.1:6002")
    let p3 = addr("127.0.0.1:6003")

    @Test("a Dead Node report makes the accused suspect and starts a probe of its port; nobody is dropped yet")
    func reportMakesSuspect() {
        var driver = MembershipDriver()
        driver.register(p1, p2)
        let actions = driver.report(p2, by: p1)
        #expect(driver.isSuspect(p2))
        #expect(driver.seed.registry.contains(p2))
        #expect(connects(actions).map(\.1) == [p2])
    }

    @Test("a report from a connection that did not register as the reporter is refused and changes nothing")
    func forgedReportRefused() {
        var driver = MembershipDriver()
        driver.register(p1, p2)
        let outsider = driver.accept()
        let actions = driver.line(outsider, "Dead Node:\(p2):1795287680.731:\(p1)")
        #expect(sentError(on: outsider, actions))
        #expect(driver.status(p2) == .alive)
        #expect(connects(actions).isEmpty)
    }

    @Test("a probe refused by the suspect's host drops it at once, as dead")
    func refusedProbeDrops() throws {
        var driver = MembershipDriver()
        driver.register(p1, p2)
        let (probe, _) = try #require(connects(driver.report(p2, by: p1)).first)
        let actions = driver.handle(.connectFailed(probe, reason: .refused))
        #expect(!driver.seed.registry.contains(p2))
        #expect(events(actions).contains { $0.kind == .removedDead && $0.subject == addr("127.0.0.1:6002") })
        #expect(driver.seed.membership.rows().contains(Member(p2, .dead)))
    }

    @Test("a probe that times out is weak evidence: the suspect stays listed")
    func timedOutProbeKeeps() throws {
        var driver = MembershipDriver()
        driver.register(p1, p2)
        let (probe, _) = try #require(connects(driver.report(p2, by: p1)).first)
        _ = driver.handle(.connectFailed(probe, reason: "Connection timed out"))
        #expect(driver.isSuspect(p2))
    }

    @Test("a suspect that answers the seed's probe is alive again")
    func answeredProbeRefutes() throws {
        var driver = MembershipDriver()
        driver.register(p1, p2)
        let (probe, _) = try #require(connects(driver.report(p2, by: p1)).first)
        let request = driver.handle(.connected(probe))
        guard case .livenessRequest(let ts, let sender)? = sent(on: probe, request).first else {
            Issue.record("the probe sends a liveness request")
            return
        }
        _ = driver.line(probe, Message.livenessReply(timestamp: ts, sender: sender, replier: p2).encoded)
        #expect(driver.status(p2) == .alive)
    }

    @Test("a suspect that renews its registration is alive again")
    func renewalRefutes() {
        var driver = MembershipDriver()
        driver.register(p1, p2)
        _ = driver.report(p2, by: p1)
        driver.time += 500
        driver.register(p2)
        #expect(driver.status(p2) == .alive)
    }

    @Test("a suspect silent and unanswering for three intervals is dropped; one that renews meanwhile is not")
    func silentSuspectDropped() {
        var driver = MembershipDriver()
        driver.register(p1, p2, p3)
        _ = driver.report(p2, by: p1)
        _ = driver.report(p3, by: p1)
        for _ in 0..<5 {
            _ = driver.check(after: 500)
            driver.register(p1, p3)  // p1 and p3 renew every half interval; p2 says nothing.
        }
        #expect(driver.seed.registry.contains(p2), "2.5 s: not yet")
        _ = driver.check(after: 500)
        _ = driver.check(after: 500)
        #expect(!driver.seed.registry.contains(p2))
        #expect(driver.status(p3) == .alive)
        #expect(driver.seed.registry.contains(p1))
    }

    @Test("a peer that stops renewing becomes suspect by the seed's own account")
    func silenceMakesSuspect() {
        var driver = MembershipDriver()
        driver.register(p1)
        var actions: [Action] = []
        for _ in 0..<8 { actions += driver.check(after: 500) }
        #expect(driver.isSuspect(p1))
        #expect(connects(actions).map(\.1).contains(p1), "and probes it")
    }

    @Test("a closed registration connection makes its peer suspect and probed at once")
    func closedConnectionProbes() {
        var driver = MembershipDriver()
        driver.register(p1)
        let actions = driver.handle(.closed(driver.connectionOf[p1]!, .failed("Connection reset by peer")))
        #expect(driver.isSuspect(p1))
        #expect(connects(actions).map(\.1) == [p1])
    }

    @Test("an older connection closing says nothing about a peer that registered again on a new one")
    func oldIncarnationIgnored() {
        var driver = MembershipDriver()
        driver.register(p1)
        let old = driver.connectionOf[p1]!
        driver.connectionOf[p1] = nil
        driver.register(p1)  // Restarted: a new process, a new connection.
        _ = driver.handle(.closed(old, .endOfStream))
        #expect(driver.status(p1) == .alive)
    }

    @Test("Leave on the peer's registered connection unlists it at once, as left")
    func leaveUnlists() {
        var driver = MembershipDriver()
        driver.register(p1, p2)
        let actions = driver.line(driver.connectionOf[p2]!, "Leave:\(p2)")
        #expect(!driver.seed.registry.contains(p2))
        #expect(events(actions).contains { $0.kind == .removedLeft && $0.subject == addr("127.0.0.1:6002") })
        #expect(driver.seed.membership.rows().contains(Member(p2, .left)))
    }

    @Test("Leave from another connection is refused")
    func leaveFromOthersRefused() {
        var driver = MembershipDriver()
        driver.register(p1, p2)
        let actions = driver.line(driver.connectionOf[p1]!, "Leave:\(p2)")
        #expect(driver.seed.registry.contains(p2))
        #expect(sentError(on: driver.connectionOf[p1]!, actions))
    }

    @Test("a registration for a host other than the connection's is refused")
    func registrationBoundToSourceHost() {
        var driver = MembershipDriver()
        let id = driver.accept(from: .ipv4(10, 0, 0, 9))
        let actions = driver.line(id, "Register:\(p1)")
        #expect(sentError(on: id, actions))
        #expect(driver.seed.registry.count == 0)
    }

    @Test("an IPv4-mapped IPv6 connection registers its IPv4 address")
    func mappedAddressIsIPv4() {
        var driver = MembershipDriver()
        let id = driver.accept(from: .ipv6(0, 0xFFFF_7F00_0001))
        let actions = driver.line(id, "Register:\(p1)")
        _ = answerProbes(of: &driver.seed, in: actions, now: driver.now)
        #expect(driver.seed.registry.all == [p1])
    }

    @Test("List Members pages through every member in address order, 64 a line")
    func membersPaged() throws {
        var driver = MembershipDriver()
        let peers = (0..<70).map { NodeAddress(host: .loopback, port: UInt16(7000 + $0)) }
        for peer in peers.reversed() { driver.register(peer) }
        let asker = driver.accept()
        guard case .members(0, 70, let first)? = sent(on: asker, driver.line(asker, "List Members:0")).first,
            case .members(64, 70, let second)? = sent(on: asker, driver.line(asker, "List Members:64")).first
        else {
            Issue.record("two pages of Members")
            return
        }
        #expect(first.count == 64)
        #expect((first + second).map(\.address) == peers)
        #expect((first + second).allSatisfy { $0.state == .alive })
    }

    @Test("an idle seed arms its check for the first silence deadline, not every half interval")
    func idleSeedWakesRarely() {
        var driver = MembershipDriver()
        let actions = driver.register(p1)
        #expect(schedules(actions)[.membership] == at(4000).instant, "four intervals after p1 was last heard from")
        driver.time = 2000
        #expect(schedules(driver.register(p1))[.membership] == nil, "a renewal leaves the armed check alone")
        driver.time = 4000
        let check = driver.handle(.timer(.membership))
        #expect(schedules(check)[.membership] == at(6000).instant, "p1 renewed at 2 s: silent from 6 s")
        #expect(driver.status(p1) == .alive)
    }

    @Test("a suspect is looked at every half interval")
    func suspectCheckedOften() {
        var driver = MembershipDriver()
        driver.register(p1, p2)
        let actions = driver.report(p2, by: p1)
        #expect(schedules(actions)[.membership] == at(500).instant)
    }

    @Test("a probe reset by a dying process is followed by another probe half an interval later")
    func resetProbeIsRetried() throws {
        var driver = MembershipDriver()
        driver.register(p1, p2)
        driver.time = 1000
        driver.register(p1, p2)
        let closed = driver.handle(.closed(driver.connectionOf[p1]!, .failed("Connection reset by peer")))
        let (probe, _) = try #require(connects(closed).first)
        #expect(schedules(closed)[.membership] == at(1500).instant)
        _ = driver.handle(.connected(probe))
        _ = driver.handle(.closed(probe, .failed("Connection reset by peer")))
        let check = driver.check(after: 500)
        #expect(connects(check).map(\.1) == [p1])
    }

    @Test("a registration not renewed for six intervals expires, though the peer answers every probe")
    func unrenewedRegistrationExpires() {
        var driver = MembershipDriver()
        driver.register(p1)
        var expired: [Action] = []
        for _ in 0..<12 {
            let check = driver.check(after: 500)
            expired += check
            // The peer is alive (it answers each probe) but renews with another seed.
            for case .connect(let probe, _) in check {
                _ = driver.handle(.connected(probe))
                _ = driver.line(probe, Message.livenessReply(timestamp: at(0).wall, sender: MembershipDriver.seedAddress, replier: p1).encoded)
            }
        }
        #expect(!driver.seed.registry.contains(p1))
        #expect(events(expired).contains { $0.kind == .removedExpired && $0.subject == addr("127.0.0.1:6001") })
        #expect(driver.seed.membership.rows().contains(Member(p1, .expired)))
        driver.register(p1)
        #expect(driver.status(p1) == .alive, "its next registration lists it again")
    }
}
