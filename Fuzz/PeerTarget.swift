/// A peer driven by an event script (`ScriptOp`).
///
/// Input: one byte of settings (address family, one to three seeds, own messages or none, an
/// explicit reply time-out, misses 1-3, the random seed), then the script. Invariants after
/// every event, besides the shell's checks of every action:
/// - neighbours are each listed once, never the peer itself, and (`strictChecks`) at most
///   `maxLinks + maxInboundLinks` of them; every link up is a neighbour's;
/// - the message log holds at most its capacity;
/// - the seeds it counts as registered with are its configured seeds, each once;
/// - the liveness round is always armed (until the peer stops);
/// - (`strictChecks`) its outbound connections are bounded by its seeds and link caps.
enum PeerTarget {
    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        var input = FuzzInput(data)
        let setup = input.byte()
        let seedCount = 1 + Int(setup >> 1 & 0x3) % 3
        let seeds = (0..<seedCount).map { NodeAddress(host: .loopback, port: UInt16(5001 + $0)) }
        let host: NodeAddress.Host = setup & 1 == 0 ? .loopback : .ipv6(0, 1)
        var settings = PeerSettings(address: NodeAddress(host: host, port: 6001), seeds: seeds)
        settings.messageCount = setup & 0x8 == 0 ? 3 : 0
        settings.gossipInterval = .milliseconds(100)
        settings.livenessInterval = .seconds(1)
        settings.livenessTimeout = setup & 0x10 == 0 ? nil : .milliseconds(300)
        settings.livenessMisses = 1 + Int(setup >> 5) % 3
        settings.maxLinks = 2
        settings.maxInboundLinks = 3
        settings.syncLimit = 4
        settings.logCapacity = 8
        settings.logRetention = .seconds(10)
        do { try settings.validate() } catch { fuzzFailure("the fuzz settings are invalid: \(error)") }
        var shell = ScriptedShell(node: PeerProtocol(settings: settings, rng: SeededRandom(seed: UInt64(setup))))
        shell.start()
        ScriptOp.run(&input, on: &shell)
    }
}

extension PeerProtocol: ScriptedNode {
    static func checkInvariants(_ shell: ScriptedShell<PeerProtocol>) {
        let peer = shell.node
        let settings = peer.settings
        let neighbours = peer.neighbourOrder
        require(Set(neighbours).count == neighbours.count, "a neighbour is listed twice")
        require(!neighbours.contains(peer.address), "the peer is its own neighbour")
        if strictChecks {
            // Issue 11: an inbound link that closes leaves a neighbour not counted against the
            // inbound limit (branch peer-links-dedup counts links only once verified).
            require(
                neighbours.count <= settings.maxLinks + settings.maxInboundLinks,
                "\(neighbours.count) neighbours, over \(settings.maxLinks) + \(settings.maxInboundLinks)")
        }
        require(Set(peer.linkedNeighbours).isSubset(of: neighbours), "a link up is not a neighbour's")
        require(peer.messageLog.count <= settings.logCapacity, "the message log passed its capacity")
        let registered = peer.registeredSeeds
        require(Set(registered).count == registered.count, "registered with a seed twice")
        require(Set(registered).isSubset(of: settings.seeds), "registered with a seed not configured")
        if !shell.stopped { require(shell.timers.deadline(of: .liveness) != nil, "the liveness round is not armed") }
        if strictChecks {
            // One connection per seed, one dial per neighbour (and per neighbour just dropped,
            // whose dial is still under way), up to `maxLinks` new ones. Issue 11: fake
            // neighbours are dialled back without bound today (branch peer-links-dedup).
            let outbound = shell.connections.values.count { !$0.inbound }
            let cap = settings.maxLinks + settings.maxInboundLinks
            let bound = settings.seeds.count + 2 * cap + settings.maxLinks
            require(outbound <= bound, "\(outbound) outbound connections, over \(bound)")
        }
    }

    var knownAddresses: [NodeAddress] { neighbourOrder + knownPeers }
    var seedAddresses: [NodeAddress] { settings.seeds }

    /// 1: the operator's `broadcast`, or (when the next byte is below 8) the peer is stopped.
    /// 2: a peer connects from one of the pool's hosts and asks for a link under its listen
    /// address there (host byte, port byte); the quickest way to inbound links.
    static func special(_ which: Int, _ shell: inout ScriptedShell<PeerProtocol>, _ input: inout FuzzInput) {
        if which == 1 {
            shell.deliver(input.byte() < 8 ? .stopping : .command(.broadcast))
            return
        }
        let host = input.pick(Pools.remoteHosts)
        let port = input.pick(Pools.ports)
        let id = shell.accept(from: NodeAddress(host: host, port: 40_000 + port))
        shell.receive(Array(Message.linkRequest(NodeAddress(host: host, port: port)).encoded.utf8) + [10], on: id)
    }
}
