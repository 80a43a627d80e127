import Testing

@testable import GossipCore

/// The cluster key every test node holds, and another one.
private let key = try! ClusterKey(bytes("0123456789abcdef0123456789abcdef"))
private let otherKey = try! ClusterKey(bytes("fedcba9876543210fedcba9876543210"))

private let seedAddress = addr("127.0.0.1:5001")

/// A seed that holds `key`, as the launcher builds it with `--cluster-key-file`.
private func keyedSeed(maxClockSkew: Duration = .seconds(30), nonceCapacity: Int = 100) -> Authenticated<SeedProtocol> {
    Authenticated(
        SeedProtocol(address: seedAddress, rng: SeededRandom(seed: 3)), key: key, rng: SeededRandom(seed: 11),
        maxClockSkew: maxClockSkew, nonceCapacity: nonceCapacity)
}

/// A hello as a node holding `key` dialling `destination` at `ms` sends it.
private func hello(
    to destination: NodeAddress = seedAddress, at ms: Int64 = 0, nonce: UInt64 = 1, key: ClusterKey = key
) -> String {
    Message.auth(
        .hello(AuthLine.Hello(key: key, destination: destination, timestamp: at(ms).wall, nonce: Nonce(high: 7, low: nonce)))
    ).encoded
}

private func accepted(_ n: Int, from remote: String = "127.0.0.1:40000") -> (ConnectionID, Event) {
    let id = ConnectionID(.inbound, n)
    return (id, .accepted(id, remote: addr(remote)))
}

/// Whether the seed's answer on `id` is a welcome that proves `key` for `helloText`.
private func welcomes(_ actions: [Action], on id: ConnectionID, for helloText: String) -> Bool {
    guard case .auth(.hello(let hello))? = try? Message(decoding: helloText),
        case .auth(.welcome(let code))? = sent(on: id, actions).first
    else { return false }
    return code == hello.welcomeCode(key)
}

private func errors(on id: ConnectionID, _ actions: [Action]) -> [String] {
    sent(on: id, actions).compactMap { if case .error(let text) = $0 { text } else { nil } }
}

@Suite("Cluster key: the accepting side")
struct AuthenticatedAcceptorTests {
    @Test("a valid hello is answered with a welcome; the lines after it reach the seed")
    func validHello() {
        var seed = keyedSeed()
        let (id, event) = accepted(1)
        _ = seed.handle(event, now: at(0))
        let line = hello()
        let answer = seed.handle(.line(id, line), now: at(0))
        #expect(welcomes(answer, on: id, for: line))
        #expect(closes(answer).isEmpty)
        let registered = seed.handle(.line(id, "Register:127.0.0.1:6001"), now: at(0))
        // The seed took it: it probes the address before listing it (docs/PROTOCOL.md).
        #expect(connects(registered).map(\.1) == [addr("127.0.0.1:6001")])
        #expect(seed.base.membership.isJoining(addr("127.0.0.1:6001")))
    }

    @Test("without a hello, no line is taken: Register, Dead Node, List Peers get Error and a close")
    func noHello() {
        for (n, line) in ["Register:127.0.0.1:6001", "Dead Node:127.0.0.1:6002:1795287680.000:127.0.0.1:6001", "List Peers"]
            .enumerated()
        {
            var seed = keyedSeed()
            let (id, event) = accepted(n + 1)
            _ = seed.handle(event, now: at(0))
            let actions = seed.handle(.line(id, line), now: at(0))
            let error = errors(on: id, actions)
            #expect(error.count == 1 && error[0].contains("cluster key") && error[0].contains("Auth Hello"), "\(error)")
            #expect(closes(actions) == [id])
            #expect(!sent(on: id, actions).contains { if case .peerList = $0 { true } else { false } })
            #expect(seed.base.registry.all.isEmpty)
            #expect(logs(actions).contains { $0.contains("cluster key") }, "the seed logs why the connection ended")
        }
    }

    @Test("a line after a refused hello is not taken either (the connection is closed)")
    func refusedThenRegister() {
        var seed = keyedSeed()
        let (id, event) = accepted(1)
        _ = seed.handle(event, now: at(0))
        let actions = seed.handle(.line(id, hello(key: otherKey)), now: at(0))
        #expect(errors(on: id, actions).first?.contains("does not match") == true)
        #expect(closes(actions) == [id])
        // The shell delivers nothing more for a closed connection; were it to, the seed has
        // forgotten it and the wrapper no longer waits on it: the line would be the seed's.
        #expect(seed.handshakes.isEmpty)
    }

    @Test("a hello made with another key is refused")
    func wrongKey() {
        var seed = keyedSeed()
        let (id, event) = accepted(1)
        _ = seed.handle(event, now: at(0))
        let actions = seed.handle(.line(id, hello(key: otherKey)), now: at(0))
        #expect(errors(on: id, actions) == ["cluster key: the hello's code does not match this node's cluster key"])
        #expect(closes(actions) == [id])
    }

    @Test("a hello with one changed digit in its code is refused")
    func tamperedCode() {
        var seed = keyedSeed()
        let (id, event) = accepted(1)
        _ = seed.handle(event, now: at(0))
        var line = hello()
        let last = line.removeLast()
        line.append(last == "0" ? "1" : "0")
        #expect(errors(on: id, seed.handle(.line(id, line), now: at(0))).first?.contains("does not match") == true)
    }

    @Test("a hello whose timestamp is more than the skew bound away is refused, either way; within it, taken")
    func clockSkew() {
        var seed = keyedSeed(maxClockSkew: .seconds(30))
        let cases: [(helloAt: Int64, taken: Bool)] = [(-30_001, false), (30_001, false), (-30_000, true), (29_000, true)]
        for (n, c) in cases.enumerated() {
            let (id, event) = accepted(n + 1)
            _ = seed.handle(event, now: at(0))
            let actions = seed.handle(.line(id, hello(at: c.helloAt, nonce: UInt64(n))), now: at(0))
            #expect(closes(actions).isEmpty == c.taken, "hello \(c.helloAt) ms from the seed's clock")
            if !c.taken { #expect(errors(on: id, actions).first?.contains("from this node's clock") == true) }
        }
    }

    @Test("a hello played again is refused (replay), also on another connection")
    func replay() {
        var seed = keyedSeed()
        let line = hello()
        let (first, e1) = accepted(1)
        _ = seed.handle(e1, now: at(0))
        #expect(welcomes(seed.handle(.line(first, line), now: at(0)), on: first, for: line))
        let (second, e2) = accepted(2, from: "127.0.0.1:40001")
        _ = seed.handle(e2, now: at(1000))
        let actions = seed.handle(.line(second, line), now: at(1000))
        #expect(errors(on: second, actions) == ["cluster key: a hello with this nonce was taken before (a replay)"])
        #expect(closes(actions) == [second])
    }

    @Test("a nonce is forgotten once its hello is too old to be taken anyway")
    func nonceWindow() {
        var seed = keyedSeed(maxClockSkew: .seconds(30))
        let (first, e1) = accepted(1)
        _ = seed.handle(e1, now: at(0))
        _ = seed.handle(.line(first, hello(nonce: 1)), now: at(0))
        #expect(seed.seenNonces.count == 1)
        let (second, e2) = accepted(2)
        _ = seed.handle(e2, now: at(30_001))
        _ = seed.handle(.line(second, hello(at: 30_001, nonce: 2)), now: at(30_001))
        #expect(seed.seenNonces.count == 1, "the first nonce left when its window passed")
        // And its replay is refused by the clock now.
        let (third, e3) = accepted(3)
        _ = seed.handle(e3, now: at(30_001))
        #expect(errors(on: third, seed.handle(.line(third, hello(nonce: 1)), now: at(30_001))).first?.contains("clock") == true)
    }

    @Test("when the nonce table is full, hellos are refused until old ones leave, never a nonce forgotten early")
    func nonceTableFull() {
        var seed = keyedSeed(nonceCapacity: 2)
        for n in 1...3 {
            let (id, event) = accepted(n)
            _ = seed.handle(event, now: at(0))
            let actions = seed.handle(.line(id, hello(nonce: UInt64(n))), now: at(0))
            #expect(closes(actions).isEmpty == (n <= 2), "hello \(n)")
            if n == 3 { #expect(errors(on: id, actions).first?.contains("try later") == true) }
        }
    }

    @Test("a hello for another node's address is refused (it was recorded on its way elsewhere)")
    func otherDestination() {
        var seed = keyedSeed()
        let (id, event) = accepted(1)
        _ = seed.handle(event, now: at(0))
        let actions = seed.handle(.line(id, hello(to: addr("127.0.0.1:5002"))), now: at(0))
        #expect(errors(on: id, actions) == ["cluster key: the hello is for 127.0.0.1:5002, not for this node (127.0.0.1:5001)"])
    }

    @Test("a malformed hello, a line that is not UTF-8 and an Error line are refused; an Error gets no Error back")
    func malformed() {
        var seed = keyedSeed()
        let (a, ea) = accepted(1)
        _ = seed.handle(ea, now: at(0))
        let upper = "Auth Hello:" + hello().dropFirst("Auth Hello:".count).uppercased()
        #expect(errors(on: a, seed.handle(.line(a, upper), now: at(0))).first?.contains("malformed Auth Hello") == true)
        let (b, eb) = accepted(2)
        _ = seed.handle(eb, now: at(0))
        let notUTF8 = seed.handle(.lineNotUTF8(b, byteCount: 3), now: at(0))
        #expect(errors(on: b, notUTF8).count == 1 && closes(notUTF8) == [b])
        let (c, ec) = accepted(3)
        _ = seed.handle(ec, now: at(0))
        let error = seed.handle(.line(c, "Error:who are you"), now: at(0))
        #expect(errors(on: c, error).isEmpty && closes(error) == [c])
    }

    @Test("a keyed peer refuses a Link Request without a hello: no neighbour, no link")
    func peerRefusesUnprovedLink() {
        var settings = PeerSettings(address: addr("127.0.0.1:6001"), seeds: [seedAddress])
        settings.messageCount = 0
        var peer = Authenticated(
            PeerProtocol(settings: settings, rng: SeededRandom(seed: 1)), key: key, rng: SeededRandom(seed: 2))
        _ = peer.start(now: at(0))
        let id = ConnectionID(.inbound, 1)
        _ = peer.handle(.accepted(id, remote: addr("127.0.0.1:40000")), now: at(0))
        let actions = peer.handle(.line(id, "Link Request:127.0.0.1:6002"), now: at(0))
        #expect(closes(actions) == [id])
        #expect(!sent(on: id, actions).contains { if case .linkAccepted = $0 { true } else { false } })
        #expect(peer.base.linkedNeighbours.isEmpty)
    }

    @Test("the instance's own close of a silent connection ends the wait for its hello")
    func instanceCloseForgets() {
        var settings = PeerSettings(address: addr("127.0.0.1:6001"), seeds: [seedAddress])
        settings.messageCount = 0
        settings.livenessInterval = .seconds(1)
        var peer = Authenticated(
            PeerProtocol(settings: settings, rng: SeededRandom(seed: 1)), key: key, rng: SeededRandom(seed: 2))
        _ = peer.start(now: at(0))
        let id = ConnectionID(.inbound, 1)
        _ = peer.handle(.accepted(id, remote: addr("127.0.0.1:40000")), now: at(0))
        #expect(peer.handshakes[id] != nil)
        // The peer closes a connection that has not identified itself within its identify
        // time-out (`.connectionDeadline`, 5 s by default).
        var closed: [ConnectionID] = []
        var time: Int64 = 0
        while closed.isEmpty, time < 10_000 {
            time += 500
            closed += closes(peer.handle(.timer(.connectionDeadline), now: at(time)))
        }
        #expect(closed.contains(id))
        #expect(peer.handshakes[id] == nil)
    }
}

/// A keyed peer dialling a keyed seed, both driven by hand: what one sends is fed to the other.
private struct Pair {
    var peer: Authenticated<PeerProtocol>
    var seed = keyedSeed()
    var seedConnection = ConnectionID(.outbound, 0)
    let acceptedAs = ConnectionID(.inbound, 1)

    init(peerKey: ClusterKey = key) {
        var settings = PeerSettings(address: addr("127.0.0.1:6001"), seeds: [seedAddress])
        settings.messageCount = 0
        peer = Authenticated(
            PeerProtocol(settings: settings, rng: SeededRandom(seed: 1)), key: peerKey, rng: SeededRandom(seed: 2))
    }

    /// Starts the peer and opens its seed connection; returns what the peer sent on it.
    mutating func open() -> [Message] {
        let start = peer.start(now: at(0))
        seedConnection = connects(start)[0].0
        #expect(sent(on: seedConnection, start).isEmpty, "nothing is sent before the connection opens")
        _ = seed.handle(.accepted(acceptedAs, remote: addr("127.0.0.1:40000")), now: at(5))
        return sent(on: seedConnection, peer.handle(.connected(seedConnection), now: at(10)))
    }

    /// Feeds the peer's lines to the seed, as the shell does: none after the seed closed the
    /// connection. Returns the seed's answers.
    mutating func toSeed(_ lines: [Message]) -> [Action] {
        var answers: [Action] = []
        for line in lines where !closes(answers).contains(acceptedAs) {
            answers += seed.handle(.line(acceptedAs, line.encoded), now: at(20))
        }
        return answers
    }

    /// Feeds the seed's answers to the peer; returns the peer's actions.
    mutating func toPeer(_ answers: [Action]) -> [Action] {
        sent(on: acceptedAs, answers).flatMap { peer.handle(.line(seedConnection, $0.encoded), now: at(30)) }
    }
}

@Suite("Cluster key: the dialling side")
struct AuthenticatedDiallerTests {
    @Test("the first line on a dialled connection is a hello for the dialled address, then the instance's lines")
    func helloFirst() {
        var pair = Pair()
        let lines = pair.open()
        guard case .auth(.hello(let hello))? = lines.first else {
            Issue.record("first line: \(lines.first.map(\.encoded) ?? "none")")
            return
        }
        #expect(hello.destination == seedAddress)
        #expect(hello.timestamp == at(10).wall, "made when the connection opened")
        #expect(hello.isSigned(by: key))
        #expect(lines.dropFirst().first == .register(addr("127.0.0.1:6001")))
    }

    @Test("each connection gets a fresh nonce")
    func freshNonces() {
        var pair = Pair()
        var nonces: Set<Nonce> = []
        for n in 1...20 {
            let id = ConnectionID(.outbound, 100 + n)
            // The wrapper's bookkeeping after the instance asked for a connect, then its opening.
            pair.peer.handshakes[id] = .connecting(to: seedAddress)
            for case .auth(.hello(let hello)) in sent(on: id, pair.peer.handle(.connected(id), now: at(0))) {
                nonces.insert(hello.nonce)
            }
        }
        #expect(nonces.count == 20)
    }

    @Test("a keyed peer registers with a keyed seed: hello, welcome, Register taken (and its address probed)")
    func handshakeBothWays() {
        var pair = Pair()
        let answers = pair.toSeed(pair.open())
        let messages = sent(on: pair.acceptedAs, answers)
        #expect(messages.count == 1, "the Peer List comes once the seed's probe of the peer is answered")
        guard case .auth(.welcome)? = messages.first else {
            Issue.record("the seed's first answer: \(messages.first.map(\.encoded) ?? "none")")
            return
        }
        let peerActions = pair.toPeer(answers)
        #expect(closes(peerActions).isEmpty)
        #expect(pair.peer.handshakes.isEmpty)
        #expect(connects(answers).map(\.1) == [addr("127.0.0.1:6001")], "the seed probes the address the peer claims")
        #expect(pair.seed.base.membership.isJoining(addr("127.0.0.1:6001")))
    }

    @Test("a peer with another key is refused by the seed, and logs the seed's Error")
    func wrongKeyPeer() {
        var pair = Pair(peerKey: otherKey)
        let answers = pair.toSeed(pair.open())
        #expect(closes(answers) == [pair.acceptedAs])
        #expect(pair.seed.base.registry.all.isEmpty)
        let peerActions = pair.toPeer(answers)
        #expect(
            logs(peerActions).contains { $0.contains("Error from seed 127.0.0.1:5001: cluster key:") }, "\(logs(peerActions))")
    }

    @Test("a seed without the key cannot pose as one: its Peer List before a welcome is refused")
    func keylessAcceptor() {
        var pair = Pair()
        _ = pair.open()
        let peerActions = pair.peer.handle(.line(pair.seedConnection, "Peer List:127.0.0.1:6666"), now: at(30))
        #expect(closes(peerActions) == [pair.seedConnection])
        #expect(errors(on: pair.seedConnection, peerActions).first?.contains("Auth Welcome") == true)
        #expect(pair.peer.base.knownPeers.isEmpty, "nothing from the list was taken")
        #expect(logs(peerActions).contains { $0.contains("cluster key") }, "the peer logs why the seed connection ended")
    }

    @Test("a welcome made with another key, or for another hello, is refused")
    func badWelcome() {
        var pair = Pair()
        let lines = pair.open()
        guard case .auth(.hello(var hello))? = lines.first else { return }
        hello.nonce.low &+= 1
        let forged = Message.auth(.welcome(code: hello.welcomeCode(key))).encoded
        let actions = pair.peer.handle(.line(pair.seedConnection, forged), now: at(30))
        #expect(closes(actions) == [pair.seedConnection])
        #expect(errors(on: pair.seedConnection, actions).first?.contains("welcome's code does not match") == true)
    }
}

@Suite("Cluster key: lines and key files")
struct ClusterKeyTests {
    @Test("the handshake lines round-trip through the codec")
    func roundTrip() throws {
        let line = hello()
        #expect(line.hasPrefix("Auth Hello:127.0.0.1:5001:1795287680.000:00000000000000070000000000000001:"))
        #expect(try Message(decoding: line).encoded == line)
        let welcome = Message.auth(.welcome(code: Array(repeating: 0xab, count: 32))).encoded
        #expect(welcome == "Auth Welcome:" + String(repeating: "ab", count: 32))
        #expect(try Message(decoding: welcome).encoded == welcome)
        let v6 = Message.auth(
            .hello(
                AuthLine.Hello(key: key, destination: addr("[::1]:5001"), timestamp: at(0).wall, nonce: Nonce(high: 1, low: 2))))
        #expect(try Message(decoding: v6.encoded) == v6)
    }

    @Test(
        "malformed handshake lines are refused with what is wrong",
        arguments: [
            (
                "Auth Hello:127.0.0.1:5001:1795287680.000:0000000000000007000000000000000:" + String(repeating: "0", count: 64),
                "nonce"
            ),
            (
                "Auth Hello:127.0.0.1:5001:1795287680.000:0000000000000007000000000000000G:" + String(repeating: "0", count: 64),
                "nonce"
            ),
            (
                "Auth Hello:127.0.0.1:5001:1795287680.000:00000000000000070000000000000001:" + String(repeating: "A", count: 64),
                "code"
            ),
            (
                "Auth Hello:127.0.0.1:5001:1795287680.000:00000000000000070000000000000001:" + String(repeating: "0", count: 63),
                "code"
            ),
            ("Auth Hello:127.0.0.1:5001:soon:00000000000000070000000000000001:" + String(repeating: "0", count: 64), "timestamp"),
            (
                "Auth Hello:127.0.0.1:99999:1795287680.000:00000000000000070000000000000001:" + String(repeating: "0", count: 64),
                "port"
            ),
            ("Auth Hello:127.0.0.1:5001:1795287680.000", "nonce"),
            ("Auth Welcome:" + String(repeating: "0", count: 65), "code"),
            ("Auth Welcome:", "code"),
        ])
    func malformed(line: String, mentions: String) {
        #expect(throws: WireError.self) { try Message(decoding: line) }
        do { _ = try Message(decoding: line) } catch { #expect(error.description.contains(mentions), "\(error)") }
    }

    @Test("a key file's trailing newline is not part of the key; an empty or short key is refused")
    func keyFiles() throws {
        let text = "0123456789abcdef0123456789abcdef"
        let plain = try ClusterKey(fileContent: bytes(text))
        let newline = try ClusterKey(fileContent: bytes(text + "\n"))
        let crlf = try ClusterKey(fileContent: bytes(text + "\r\n"))
        let line = hello(key: plain)
        #expect(hello(key: newline) == line && hello(key: crlf) == line)
        #expect(throws: ClusterKeyError.empty) { try ClusterKey(fileContent: bytes("\n")) }
        #expect(throws: ClusterKeyError.tooShort(31)) { try ClusterKey(fileContent: bytes(String(text.dropLast()) + "\n")) }
        #expect(throws: ClusterKeyError.tooLong(1025)) { try ClusterKey(fileContent: Array(repeating: 97, count: 1025)) }
        #expect(ClusterKeyError.tooShort(5).description.contains("at least 32"))
    }
}

@Suite("Cluster key: the fuzzer's findings")
struct AuthenticatedFuzzFindingsTests {
    /// Found by `Fuzz/run.sh auth`: a hello's nonce was forgotten once the wall clock passed
    /// its window, and with the clock set back the same hello was inside the window again.
    @Test("a hello replayed after the wall clock was set back is refused")
    func replayAfterClockSetBack() {
        var seed = keyedSeed()
        let first = hello(at: 0, nonce: 1)
        let (a, acceptA) = accepted(1)
        _ = seed.handle(acceptA, now: at(0))
        #expect(welcomes(seed.handle(.line(a, first), now: at(0)), on: a, for: first))
        // A minute on, another hello makes the seed forget the first one's nonce...
        let later = hello(at: 60_000, nonce: 2)
        let (b, acceptB) = accepted(2)
        _ = seed.handle(acceptB, now: at(60_000))
        #expect(welcomes(seed.handle(.line(b, later), now: at(60_000)), on: b, for: later))
        // ...then the clock is set back 50 s: the first hello is 10 s old by it, but not new.
        let (c, acceptC) = accepted(3)
        _ = seed.handle(acceptC, now: Now(instant: at(60_001).instant, wall: at(10_000).wall))
        let replay = seed.handle(.line(c, first), now: Now(instant: at(60_001).instant, wall: at(10_000).wall))
        #expect(!welcomes(replay, on: c, for: first))
        #expect(closes(replay) == [c])
    }
}
