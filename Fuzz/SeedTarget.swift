/// A seed driven by an event script (`ScriptOp`).
///
/// Input: one byte of settings (address family, registry cap 1-6, the random seed), then the
/// script. Invariants after every event, besides the shell's checks of every action:
/// - at most `maxPeers` registrations are held; each listed peer once, with its record, never
///   with an unspecified host or port 0, never the seed itself; departures are bounded, each
///   once, and never listed;
/// - `Members:` rows are sorted, each address once, and show every listed and departed peer;
/// - at most `maxProbesPerSuspect` probes are open to one address;
/// - the membership check is armed whenever it has something to find (no member is forgotten
///   by a seed that stopped looking);
/// - a `Peer List` holds at most `maxPeerListEntries` addresses, each once.
enum SeedTarget {
    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        var input = FuzzInput(data)
        let setup = input.byte()
        let host: NodeAddress.Host = setup & 0x80 == 0 ? .loopback : .ipv6(0, 1)
        var settings = SeedSettings(address: NodeAddress(host: host, port: 5001))
        settings.livenessInterval = .seconds(1)
        settings.maxPeers = 1 + Int(setup & 0x7) % 6
        var shell = ScriptedShell(node: SeedProtocol(settings: settings, rng: SeededRandom(seed: UInt64(setup >> 3))))
        shell.start()
        ScriptOp.run(&input, on: &shell)
    }
}

extension SeedProtocol: ScriptedNode {
    static func checkInvariants(_ shell: ScriptedShell<SeedProtocol>) {
        let seed = shell.node
        let membership = seed.membership
        let listed = seed.registry.all
        let cap = seed.settings.maxPeers
        // Every registration held (listed, or still being checked) counts toward the cap.
        require(membership.records.count <= cap, "\(membership.records.count) registrations held, over the cap \(cap)")
        require(Set(listed).count == listed.count, "a peer is listed twice")
        for peer in listed {
            require(membership.records[peer] != nil, "\(peer) is listed without a record")
            require(!peer.host.isUnspecified && peer.port != 0, "\(peer) is listed")
            require(peer != seed.address, "the seed lists itself")
        }
        require(membership.departures.count <= SeedSettings.maxDepartures, "departures unbounded")
        let departed = Set(membership.departures.map(\.address))
        require(departed.count == membership.departures.count, "a departure is remembered twice")
        require(listed.allSatisfy { !departed.contains($0) }, "a departed peer is listed")

        var copy = membership
        let rows = copy.rows()
        require(zip(rows, rows.dropFirst()).allSatisfy { $0.address < $1.address }, "Members rows unsorted or repeated")
        let shown = Set(rows.map(\.address))
        require(listed.allSatisfy(shown.contains) && departed.isSubset(of: shown), "Members rows miss someone")
        require(rows.count <= membership.records.count + membership.departures.count, "Members rows show a stranger")

        var probes: [NodeAddress: Int] = [:]
        for connection in shell.connections.values where !connection.inbound { probes[connection.remote, default: 0] += 1 }
        for (peer, count) in probes {
            require(count <= SeedSettings.maxProbesPerSuspect, "\(count) probes open to \(peer)")
        }

        if membership.nextCheck(now: shell.now.instant, settings: seed.settings) != nil {
            require(shell.timers.deadline(of: .membership) != nil, "members to check, but the membership check is not armed")
        }
        for connection in shell.connections.values {
            if case .peerList(let list)? = connection.lastSent {
                require(list.count <= Limits.maxPeerListEntries, "a peer list of \(list.count)")
                require(Set(list).count == list.count, "a peer list names an address twice")
            }
        }
    }

    var knownAddresses: [NodeAddress] { registry.all }
    var seedAddresses: [NodeAddress] { [] }

    /// 1: a peer connects from one of the pool's hosts and registers its listen address there
    /// (host byte, port byte); the quickest way to a full registry. 2: a listed peer reports
    /// another dead on its own connection (connection byte, dead byte), or leaves.
    static func special(_ which: Int, _ shell: inout ScriptedShell<SeedProtocol>, _ input: inout FuzzInput) {
        if which == 1 {
            let host = input.pick(Pools.remoteHosts)
            let port = input.pick(Pools.ports)
            let id = shell.accept(from: NodeAddress(host: host, port: 40_000 + port))
            shell.receive(Array(Message.register(NodeAddress(host: host, port: port)).encoded.utf8) + [10], on: id)
            return
        }
        let id = shell.connection(named: input.byte(), where: { $0.inbound })
        let choice = Int(input.byte())
        guard let id, let reporter = shell.connections[id]?.registeredAs else { return }
        let listed = shell.node.registry.all
        let message: Message =
            listed.isEmpty || choice == 0
            ? .leave(reporter) : .deadNode(dead: listed[choice % listed.count], timestamp: shell.now.wall, reporter: reporter)
        shell.receive(Array(message.encoded.utf8) + [10], on: id)
    }
}
