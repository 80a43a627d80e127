import Testing

@testable import GossipCore

/// A seed at 127.0.0.1:5001 (liveness interval 1 s, identify timeout 2 s), driven by hand:
/// who may hold a connection, for how long, and when a registration is listed.
private struct AdmissionDriver {
    static let seedAddress = addr("127.0.0.1:5001")
    var seed: SeedProtocol
    var time: Int64 = 0
    var nextConnection = 1

    init(_ adjust: (inout SeedSettings) -> Void = { _ in }) {
        var settings = SeedSettings(address: Self.seedAddress)
        settings.livenessInterval = .seconds(1)
        settings.identifyTimeout = .seconds(2)
        adjust(&settings)
        seed = SeedProtocol(settings: settings, rng: SeededRandom(seed: 9))
        _ = seed.start(now: at(0))
    }

    var now: Now { at(time) }

    /// A connection comes in from `host`; returns it and the seed's actions.
    mutating func accept(from host: NodeAddress.Host = .loopback) -> (ConnectionID, [Action]) {
        let id = ConnectionID(.inbound, nextConnection)
        nextConnection += 1
        let actions = seed.handle(.accepted(id, remote: NodeAddress(host: host, port: UInt16(30_000 + nextConnection))), now: now)
        return (id, actions)
    }

    mutating func line(_ id: ConnectionID, _ text: String) -> [Action] { seed.handle(.line(id, text), now: now) }

    mutating func handle(_ event: Event) -> [Action] { seed.handle(event, now: now) }

    /// `peer` connects and registers; its probe is not answered yet. Returns the registration's
    /// connection and the actions of the `Register` line.
    mutating func registerUnverified(_ peer: NodeAddress) -> (ConnectionID, [Action]) {
        let (id, _) = accept(from: peer.host)
        return (id, line(id, "Register:\(peer)"))
    }

    /// Lets time pass and fires the connection deadlines.
    mutating func deadlines(after milliseconds: Int64) -> [Action] {
        time += milliseconds
        return handle(.timer(.connectionDeadlines))
    }

    /// What another client gets for `List Peers`.
    mutating func listed() -> Set<NodeAddress> {
        let (id, _) = accept()
        let sent = sends(line(id, "List Peers")).filter { $0.0 == id }
        _ = handle(.closed(id, .endOfStream))
        guard case .peerList(let list) = sent.first?.1 else { return [] }
        return Set(list)
    }
}

private func errorText(on id: ConnectionID, _ actions: [Action]) -> String? {
    for case .error(let text) in sent(on: id, actions) { return text }
    return nil
}

@Suite("Seed admission: deadlines, per-host limit, verified registrations")
struct SeedAdmissionTests {
    let p1 = addr("127.0.0.1:6001")
    let p2 = addr("127.0.0.1:6002")

    // MARK: Verified registrations

    @Test("a new registration is listed, and answered, only once it answers the seed's probe of its address")
    func listedOnlyOnceVerified() throws {
        var driver = AdmissionDriver()
        let (id, actions) = driver.registerUnverified(p1)
        #expect(sent(on: id, actions).isEmpty, "no answer yet")
        let (probe, target) = try #require(connects(actions).first)
        #expect(target == p1, "the seed dials the address the peer claims")
        #expect(driver.listed().isEmpty, "not handed out before it answered")
        #expect(driver.seed.membership.rows() == [Member(p1, .joining)])

        #expect(driver.handle(.connected(probe)) == [.send(probe, .livenessRequest(timestamp: driver.now.wall, sender: AdmissionDriver.seedAddress))])
        let answered = driver.line(probe, Message.livenessReply(timestamp: driver.now.wall, sender: AdmissionDriver.seedAddress, replier: p1).encoded)
        #expect(closes(answered) == [probe])
        #expect(sent(on: id, answered) == [.peerList([])])
        #expect(events(answered).contains { $0.kind == .peerRegistered && $0.subject == addr("127.0.0.1:6001") })
        #expect(driver.listed() == [p1])
    }

    @Test("a registration whose probe is refused is forgotten without a trace, and the registrant told to retry later")
    func refusedProbeForgets() throws {
        var driver = AdmissionDriver()
        let (id, actions) = driver.registerUnverified(p1)
        let (probe, _) = try #require(connects(actions).first)
        let refused = driver.handle(.connectFailed(probe, reason: .refused))
        let text = try #require(errorText(on: id, refused))
        #expect(text.hasPrefix("registration refused: 127.0.0.1:6001 did not answer the seed's probe"))
        #expect(text.hasSuffix("retry later"))
        #expect(driver.seed.membership.rows().isEmpty, "no departure left behind: it never was a member")
        #expect(driver.listed().isEmpty)
        // Its connection is unidentified again: closed at the deadline unless it registers.
        let expired = driver.deadlines(after: 2000)
        #expect(closes(expired) == [id])
    }

    @Test("a probe that does not answer within the identify timeout refuses the registration")
    func silentProbeRefuses() throws {
        var driver = AdmissionDriver()
        let (id, actions) = driver.registerUnverified(p1)
        let (probe, _) = try #require(connects(actions).first)
        _ = driver.handle(.connected(probe))
        #expect(closes(driver.deadlines(after: 1999)).isEmpty)
        let late = driver.deadlines(after: 1)
        #expect(closes(late).contains(probe))
        #expect(errorText(on: id, late)?.contains("no answer within 2.0 s") == true)
        #expect(driver.seed.membership.status(of: p1) == nil)
    }

    @Test("at most maxJoinProbes registrations are probed at once; the next starts when one ends")
    func joinProbesBounded() throws {
        var driver = AdmissionDriver()
        var probes: [ConnectionID] = []
        for n in 0..<(SeedSettings.maxJoinProbes + 10) {
            let peer = NodeAddress(host: .ipv4(127, 0, 1, UInt8(n % 250)), port: UInt16(7000 + n))
            probes += connects(driver.registerUnverified(peer).1).map(\.0)
        }
        #expect(probes.count == SeedSettings.maxJoinProbes)
        let next = driver.handle(.connectFailed(probes[0], reason: .refused))
        #expect(connects(next).count == 1, "one ended, one more starts")
    }

    @Test("a peer cannot report before it is verified")
    func joiningCannotReport() {
        var driver = AdmissionDriver()
        let (id, _) = driver.registerUnverified(p1)
        let actions = driver.line(id, "Dead Node:\(p2):1795287680.731:\(p1)")
        #expect(errorText(on: id, actions)?.hasPrefix("report refused") == true)
    }

    @Test("a registration whose connection closes before its probe answers is withdrawn")
    func closedBeforeVerified() throws {
        var driver = AdmissionDriver()
        let (id, actions) = driver.registerUnverified(p1)
        let (probe, _) = try #require(connects(actions).first)
        _ = driver.handle(.closed(id, .endOfStream))
        #expect(driver.seed.membership.status(of: p1) == nil)
        _ = driver.handle(.connected(probe))
        let late = driver.line(probe, Message.livenessReply(timestamp: driver.now.wall, sender: AdmissionDriver.seedAddress, replier: p1).encoded)
        #expect(!events(late).contains { $0.kind == .peerRegistered })
        #expect(driver.listed().isEmpty)
    }

    // MARK: One registration per connection, and the cap

    @Test("a second Register with another address on the same connection is refused")
    func onePeerPerConnection() {
        var driver = AdmissionDriver()
        let (id, _) = driver.registerUnverified(p1)
        let actions = driver.line(id, "Register:\(p2)")
        #expect(errorText(on: id, actions)?.hasPrefix("registration refused: this connection registered 127.0.0.1:6001 already") == true)
        #expect(driver.seed.membership.status(of: p2) == nil)
    }

    @Test("a full seed refuses with 'registration refused ... retry later', counting joining registrations")
    func fullSeedRefusesClearly() {
        var driver = AdmissionDriver { $0.maxPeers = 2 }
        _ = driver.registerUnverified(p1)
        _ = driver.registerUnverified(p2)
        for n in 0..<5 {
            let peer = NodeAddress(host: .loopback, port: UInt16(6100 + n))
            let (id, actions) = driver.registerUnverified(peer)
            #expect(errorText(on: id, actions) == "registration refused: this seed is full (2 registrations, --max-peers); retry later")
            #expect(driver.seed.membership.status(of: peer) == nil)
        }
    }

    // MARK: Deadlines

    @Test("a connection that does not register within the identify timeout is closed, with the reason logged")
    func unidentifiedClosed() {
        var driver = AdmissionDriver()
        let (silent, accepted) = driver.accept()
        #expect(schedules(accepted)[.connectionDeadlines] == at(2000).instant)
        #expect(closes(driver.deadlines(after: 1999)).isEmpty)
        let actions = driver.deadlines(after: 1)
        #expect(closes(actions) == [silent])
        #expect(errorText(on: silent, actions)?.hasPrefix("no registration within 2.0 s") == true)
        #expect(
            events(actions).contains {
                if case .unregisteredClosed(let remote, .seconds(2)) = $0 { remote.host == .loopback } else { false }
            })
    }

    @Test("a registered peer's connection has no deadline")
    func registeredKept() throws {
        var driver = AdmissionDriver()
        let (id, actions) = driver.registerUnverified(p1)
        _ = answerProbes(of: &driver.seed, in: actions, now: driver.now)
        #expect(!closes(driver.deadlines(after: 10_000)).contains(id))
    }

    @Test("a query moves the deadline: a client is closed only once idle for the identify timeout")
    func queryExtends() {
        var driver = AdmissionDriver()
        let (client, _) = driver.accept()
        driver.time = 1500
        _ = driver.line(client, "List Peers")
        #expect(!closes(driver.deadlines(after: 500)).contains(client), "2 s after it opened, 0.5 s after its query")
        #expect(closes(driver.deadlines(after: 1500)).contains(client), "2 s after its query")
    }

    @Test("thousands of idle connections are closed at their deadline, a few named and the rest counted")
    func manyIdleSummarised() {
        var driver = AdmissionDriver()
        for n in 0..<2000 { _ = driver.accept(from: .ipv4(127, 0, UInt8(n / 250 + 1), UInt8(n % 250))) }
        let actions = driver.deadlines(after: 2000)
        #expect(closes(actions).count == 2000)
        #expect(events(actions).filter { $0.kind == .unregisteredClosed }.count == SeedProtocol.namedExpiriesPerWake)
        #expect(events(actions).contains(.unregisteredClosedMore(count: 2000 - SeedProtocol.namedExpiriesPerWake, timeout: .seconds(2))))
    }

    // MARK: Per-host limit

    @Test("connections from one host past its limit are refused at once; other hosts are not")
    func perHostLimit() {
        var driver = AdmissionDriver { $0.maxConnectionsPerHost = 3 }
        let first = (0..<3).map { _ in driver.accept().0 }
        let (fourth, refused) = driver.accept()
        #expect(errorText(on: fourth, refused) == "too many connections from 127.0.0.1 (3); try later")
        #expect(closes(refused) == [fourth])
        let (other, fine) = driver.accept(from: .ipv4(127, 0, 0, 2))
        #expect(closes(fine).isEmpty && !sentError(on: other, fine))
        // One closes: a place is free again.
        _ = driver.handle(.closed(first[0], .endOfStream))
        let (again, accepted) = driver.accept()
        #expect(closes(accepted).isEmpty && !sentError(on: again, accepted))
    }

    @Test("a host flooding past its limit costs one log line per interval, plus a count")
    func perHostRefusalsSummarised() {
        var driver = AdmissionDriver { $0.maxConnectionsPerHost = 1 }
        _ = driver.accept()
        var lines: [String] = []
        for _ in 0..<1000 { lines += logs(driver.accept().1) }
        #expect(lines.count == 1)
        let later = events(driver.deadlines(after: 10_000))
        #expect(later.contains(.refusalsCounted(interval: .seconds(10), count: 999, what: "connections refused from 127.0.0.1: over its limit")))
    }

    @Test("a seed closing a connection itself (deadline, unlisting) frees its host's place")
    func closedBySeedFreesPlace() {
        var driver = AdmissionDriver { $0.maxConnectionsPerHost = 1 }
        _ = driver.accept()
        _ = driver.deadlines(after: 2000)
        let (id, actions) = driver.accept()
        #expect(!sentError(on: id, actions))
    }

    // MARK: No work quadratic in what an outsider controls

    @Test("registrations after the first arm no membership walk each: the armed check already covers them")
    func registrationsDoNotRescheduleTheCheck() {
        var driver = AdmissionDriver()
        var rearmed = 0
        for n in 0..<500 {
            let peer = NodeAddress(host: .ipv4(127, 0, UInt8(n / 250 + 1), UInt8(n % 250)), port: 7000)
            let (_, actions) = driver.registerUnverified(peer)
            let answers = answerProbes(of: &driver.seed, in: actions, now: driver.now)
            if schedules(actions + answers)[.membership] != nil { rearmed += 1 }
        }
        #expect(rearmed == 1)
        #expect(driver.seed.registry.count == 500)
    }

    @Test("when every registration connection closes at once, suspects are probed at most maxSuspectProbes at a time")
    func suspectProbesBounded() {
        var driver = AdmissionDriver()
        var connections: [ConnectionID] = []
        for n in 0..<300 {
            let peer = NodeAddress(host: .ipv4(127, 0, UInt8(n / 250 + 1), UInt8(n % 250)), port: 7000)
            let (id, actions) = driver.registerUnverified(peer)
            _ = answerProbes(of: &driver.seed, in: actions, now: driver.now)
            connections.append(id)
        }
        var probes = 0
        for id in connections { probes += connects(driver.handle(.closed(id, .endOfStream))).count }
        #expect(probes == SeedSettings.maxSuspectProbes)
        #expect(driver.seed.registry.count == 300, "all stay listed while suspect")
    }
}

@Suite("ConnectionDeadlines")
struct ConnectionDeadlinesTests {
    let a = ConnectionID(.inbound, 1)
    let b = ConnectionID(.inbound, 2)

    @Test("deadlines expire in order, each once")
    func expireInOrder() {
        var deadlines = ConnectionDeadlines(timeout: .seconds(1))
        deadlines.watch(a, now: at(0).instant)
        deadlines.watch(b, now: at(100).instant)
        #expect(deadlines.nextWake == at(1000).instant)
        #expect(deadlines.popExpired(now: at(999).instant).isEmpty)
        #expect(deadlines.popExpired(now: at(1100).instant) == [a, b])
        #expect(deadlines.popExpired(now: at(5000).instant).isEmpty)
        #expect(deadlines.nextWake == nil)
    }

    @Test("an extended deadline is honoured; a forgotten connection never expires")
    func extendAndForget() {
        var deadlines = ConnectionDeadlines(timeout: .seconds(1))
        deadlines.watch(a, now: at(0).instant)
        deadlines.watch(b, now: at(0).instant)
        deadlines.extend(a, now: at(600).instant)
        deadlines.forget(b)
        #expect(deadlines.popExpired(now: at(1000).instant).isEmpty)
        #expect(deadlines.nextWake == at(1600).instant)
        #expect(deadlines.popExpired(now: at(1600).instant) == [a])
    }

    @Test("forgotten and watched again, a connection is queued at most twice and expires once")
    func rewatched() {
        var deadlines = ConnectionDeadlines(timeout: .seconds(1))
        for step in 0..<10 {
            deadlines.watch(a, now: at(Int64(step) * 10).instant)
            deadlines.forget(a)
        }
        deadlines.watch(a, now: at(100).instant)
        #expect(deadlines.popExpired(now: at(1000).instant).isEmpty)
        #expect(deadlines.popExpired(now: at(1100).instant) == [a])
        #expect(deadlines.nextWake == nil)
    }
}

@Suite("RefusalSummary")
struct RefusalSummaryTests {
    @Test("the first refusal of a kind is logged, the rest counted until the interval ends")
    func countsRepeats() {
        var summary = RefusalSummary(interval: .seconds(10))
        let logged = [
            summary.note("x", now: at(0).instant), summary.note("x", now: at(1).instant), summary.note("y", now: at(2).instant),
        ]
        #expect(logged == [true, false, true])
        let early = summary.due(now: at(9999).instant)
        #expect(early.isEmpty)
        let due = summary.due(now: at(10_000).instant)
        #expect(due.map(\.key) == ["x"] && due.map(\.count) == [1])
        let again = summary.note("x", now: at(10_001).instant)
        #expect(again, "a new interval logs again")
    }

    @Test("past maxKeys kinds, refusals are counted together")
    func boundedKeys() {
        var summary = RefusalSummary(interval: .seconds(10), maxKeys: 2)
        let logged = ["a", "b", "c", "d"].map { summary.note($0, now: at(0).instant) }
        #expect(logged == [true, true, false, false])
        let due = summary.due(now: at(10_000).instant)
        #expect(due.first { $0.key == RefusalSummary.overflowKey }?.count == 2)
    }
}
