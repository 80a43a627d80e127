import Testing

@testable import GossipCore

/// A seed at 127.0.0.1:5001, and peers that each connect and send one line.
private struct SeedDriver {
    var seed = SeedProtocol(address: addr("127.0.0.1:5001"), rng: SeededRandom(seed: 3))
    var nextConnection = 1

    /// A peer connects and sends one line; returns the connection and the actions for the line.
    /// The peers listen on their addresses: a registration's probe is answered, so it is listed
    /// and answered (the actions returned include the answer's).
    mutating func send(_ line: String, from host: NodeAddress.Host = .loopback) -> (ConnectionID, [Action]) {
        let id = ConnectionID(.inbound, nextConnection)
        nextConnection += 1
        _ = seed.handle(.accepted(id, remote: NodeAddress(host: host, port: UInt16(40_000 + nextConnection))), now: at(0))
        let actions = seed.handle(.line(id, line), now: at(0))
        return (id, actions + answerProbes(of: &seed, in: actions, now: at(0)))
    }

    mutating func register(_ peers: [NodeAddress]) {
        for peer in peers { _ = send("Register:\(peer)", from: peer.host) }
    }

    /// A connection on which nothing was sent yet.
    mutating func connection() -> ConnectionID {
        let id = ConnectionID(.inbound, nextConnection)
        nextConnection += 1
        _ = seed.handle(.accepted(id, remote: addr("127.0.0.1:40000")), now: at(0))
        return id
    }
}

/// The peer list sent on `id`, if exactly one message was sent there and it is one.
private func peerList(on id: ConnectionID, _ actions: [Action]) -> [NodeAddress]? {
    let messages = sent(on: id, actions)
    guard messages.count == 1, case .peerList(let list) = messages[0] else { return nil }
    return list
}

@Suite("SeedProtocol")
struct SeedProtocolTests {
    // MARK: Register

    @Test("the first peer to register gets an empty peer list")
    func firstRegistration() {
        var driver = SeedDriver()
        let (id, actions) = driver.send("Register:127.0.0.1:6001")
        #expect(sent(on: id, actions) == [.peerList([])])
        #expect(driver.seed.registry.all == [addr("127.0.0.1:6001")])
    }

    @Test("a registering peer gets the other registered peers, not itself")
    func listExcludesRegistrant() {
        var driver = SeedDriver()
        driver.register([addr("127.0.0.1:6001"), addr("127.0.0.1:6002")])
        let (id, actions) = driver.send("Register:127.0.0.1:6003")
        #expect(peerList(on: id, actions).map { Set($0) } == [addr("127.0.0.1:6001"), addr("127.0.0.1:6002")])
    }

    @Test("a peer that registers again stays listed once and is not sent itself")
    func reRegistration() {
        var driver = SeedDriver()
        driver.register([addr("127.0.0.1:6001"), addr("127.0.0.1:6002")])
        let (id, actions) = driver.send("Register:127.0.0.1:6001")
        #expect(driver.seed.registry.count == 2)
        #expect(peerList(on: id, actions) == [addr("127.0.0.1:6002")])
    }

    @Test("an IPv6 peer registers")
    func ipv6Registration() {
        var driver = SeedDriver()
        driver.register([addr("[::1]:6001")])
        #expect(driver.seed.registry.all == [addr("[::1]:6001")])
    }

    @Test("the peer list sent on registration holds at most maxPeerListEntries peers")
    func registrationListCapped() {
        var driver = SeedDriver()
        driver.register((1...100).map { NodeAddress(host: .loopback, port: UInt16(6000 + $0)) })
        let (id, actions) = driver.send("Register:127.0.0.1:7000")
        let list = peerList(on: id, actions) ?? []
        #expect(list.count == Limits.maxPeerListEntries)
        #expect(Set(list).count == list.count)
        #expect(!list.contains(addr("127.0.0.1:7000")))
    }

    // MARK: List Peers

    @Test("List Peers is answered with every registered peer")
    func listPeers() {
        var driver = SeedDriver()
        driver.register([addr("127.0.0.1:6001"), addr("127.0.0.1:6002")])
        let (id, actions) = driver.send("List Peers")
        #expect(peerList(on: id, actions).map { Set($0) } == [addr("127.0.0.1:6001"), addr("127.0.0.1:6002")])
    }

    @Test("List Peers registers nobody")
    func listPeersReadOnly() {
        var driver = SeedDriver()
        driver.register([addr("127.0.0.1:6001"), addr("127.0.0.1:6002")])
        _ = driver.send("List Peers")
        #expect(driver.seed.registry.count == 2)
    }

    @Test("List Peers with 100 peers registered is answered with maxPeerListEntries distinct peers")
    func listPeersCapped() {
        var driver = SeedDriver()
        let peers = (1...100).map { NodeAddress(host: .loopback, port: UInt16(6000 + $0)) }
        driver.register(peers)
        let (id, actions) = driver.send("List Peers")
        let list = peerList(on: id, actions) ?? []
        #expect(list.count == Limits.maxPeerListEntries)
        #expect(Set(list).count == list.count)
        #expect(Set(list).isSubset(of: peers))
    }

    @Test("a capped peer list fits within one line")
    func cappedListFitsLine() {
        var driver = SeedDriver()
        driver.register(
            (1...100).map {
                NodeAddress(
                    host: .ipv6(groups: [0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, UInt16($0)]), port: 65535)
            })
        let (id, actions) = driver.send("List Peers")
        #expect(sent(on: id, actions).first.map { $0.encoded.utf8.count <= Limits.maxLineBytes } == true)
    }

    // MARK: Dead Node

    @Test("a Dead Node report is logged verbatim")
    func deadNodeLogged() {
        var driver = SeedDriver()
        driver.register([addr("127.0.0.1:6001"), addr("127.0.0.1:6002")])
        let line = "Dead Node:127.0.0.1:6002:1795287680.731:127.0.0.1:6001"
        let (_, actions) = driver.send(line)
        #expect(events(actions).contains { $0.kind == .deadReportReceived && $0.texts.last == line })
    }

    // MARK: Bad input

    @Test("a malformed line is answered with an Error naming the problem, and logged")
    func malformedLine() {
        var driver = SeedDriver()
        driver.register([addr("127.0.0.1:6001")])
        let (id, actions) = driver.send("Register:127.0.0.1")
        let expected = WireError.badAddress("Register", .missingPort("127.0.0.1")).description
        #expect(sent(on: id, actions) == [.error(expected)])
        #expect(logs(actions).contains { $0.contains(expected) })
    }

    @Test("a malformed line leaves the registry as it was")
    func malformedLineRegistryIntact() {
        var driver = SeedDriver()
        driver.register([addr("127.0.0.1:6001")])
        _ = driver.send("Register:127.0.0.1:99999")
        _ = driver.send("Dead Node:127.0.0.1:6001")
        #expect(driver.seed.registry.all == [addr("127.0.0.1:6001")])
    }

    @Test("an Error line gets no reply")
    func errorNotAnswered() {
        var driver = SeedDriver()
        let (_, actions) = driver.send("Error:something went wrong")
        #expect(sends(actions).isEmpty)
        #expect(logs(actions).contains { $0.contains("something went wrong") })
    }

    @Test("a peer-to-peer message is answered with an Error")
    func peerMessageRefused() {
        var driver = SeedDriver()
        let (id, actions) = driver.send("Link Request:127.0.0.1:6001")
        #expect(sentError(on: id, actions))
        #expect(driver.seed.registry.count == 0)
    }

    @Test("a line that is not UTF-8 is answered with an Error")
    func notUTF8() {
        var driver = SeedDriver()
        let id = driver.connection()
        let actions = driver.seed.handle(.lineNotUTF8(id, byteCount: 7), now: at(0))
        #expect(sent(on: id, actions) == [.error("line of 7 bytes is not valid UTF-8")])
    }

    @Test("an over-long line is answered with an Error")
    func tooLong() {
        var driver = SeedDriver()
        let id = driver.connection()
        let actions = driver.seed.handle(.lineTooLong(id), now: at(0))
        #expect(sentError(on: id, actions))
    }

    @Test("a closed connection does not unregister the peer that registered on it")
    func closeKeepsRegistration() {
        var driver = SeedDriver()
        let (id, _) = driver.send("Register:127.0.0.1:6001")
        _ = driver.seed.handle(.closed(id, .endOfStream), now: at(0))
        #expect(driver.seed.registry.all == [addr("127.0.0.1:6001")])
    }
}
