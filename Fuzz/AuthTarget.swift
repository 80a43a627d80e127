/// A seed or a peer behind the cluster key (`Authenticated`), driven by an event script.
///
/// Input: one byte of settings (seed or peer, the random seed), then the script. The script's
/// random lines almost never make a valid `Auth Hello`, so its first special op makes one
/// (the harness holds the key): for the node's address or another, timestamped near or far
/// from now, with a nonce from a small pool so replays come often. The second answers one of
/// the node's own dials with a `Auth Welcome`, right or wrong.
///
/// Properties, besides the shell's checks of every action:
/// - on a connection it accepted, the node sends nothing but `Error:` and `Auth Welcome`
///   until it has sent the welcome: no peer list, no link answer, no gossip to a stranger;
/// - on a connection it dialled, its first line is its `Auth Hello`;
/// - no hello is welcomed twice (a replay is refused, whatever came between);
/// - a welcome answers only a hello for this node, signed with the key, within the clock skew.
enum AuthTarget {
    static let key: ClusterKey = {
        do { return try ClusterKey(Array("fuzz-cluster-key-of-at-least-32-bytes".utf8)) } catch {
            fuzzFailure("the fuzz key is refused: \(error)")
        }
    }()

    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        var input = FuzzInput(data)
        let setup = input.byte()
        let rng = SeededRandom(seed: UInt64(setup >> 1))
        if setup & 1 == 0 {
            var settings = SeedSettings(address: NodeAddress(host: .loopback, port: 5001))
            settings.livenessInterval = .seconds(1)
            settings.maxPeers = 4
            var shell = ScriptedShell(node: Authenticated(SeedProtocol(settings: settings, rng: rng), key: key, rng: rng, nonceCapacity: 8))
            shell.start()
            ScriptOp.run(&input, on: &shell)
        } else {
            var settings = PeerSettings(address: NodeAddress(host: .loopback, port: 6001), seeds: [NodeAddress(host: .loopback, port: 5001)])
            settings.gossipInterval = .milliseconds(100)
            settings.livenessInterval = .seconds(1)
            settings.messageCount = 3
            settings.maxLinks = 2
            settings.maxInboundLinks = 3
            var shell = ScriptedShell(node: Authenticated(PeerProtocol(settings: settings, rng: rng), key: key, rng: rng, nonceCapacity: 8))
            shell.start()
            ScriptOp.run(&input, on: &shell)
        }
    }
}

extension Authenticated: ScriptedNode where Base: ScriptedNode {
    static var provesKey: Bool { true }

    static func checkInvariants(_ shell: ScriptedShell<Authenticated<Base>>) {
        let node = shell.node
        for (id, handshake) in node.handshakes {
            switch handshake {
            case .awaitingHello, .awaitingWelcome:
                require(shell.connections[id] != nil, "a handshake is kept for \(id), which is closed")
            case .connecting:
                require(shell.connections[id]?.open == false, "\(id) is open but its hello was never sent")
            }
        }
    }

    var knownAddresses: [NodeAddress] { base.knownAddresses }
    var seedAddresses: [NodeAddress] { base.seedAddresses }

    static func special(_ which: Int, _ shell: inout ScriptedShell<Authenticated<Base>>, _ input: inout FuzzInput) {
        if which == 1 {
            let host = input.pick(Pools.remoteHosts)
            let port = input.pick(Pools.ports)
            let id = shell.accept(from: NodeAddress(host: host, port: 40_000 + port))
            let destination = input.byte() < 224 ? shell.node.address : input.pick(Pools.peers)
            let skew = (Int64(input.byte()) - 128) * 500  // -64 s to +63.5 s, in steps of 0.5 s
            let nonce = Nonce(high: 0, low: UInt64(input.byte() & 0x1F))  // 32 nonces: replays
            let hello = AuthLine.Hello(
                key: AuthTarget.key, destination: destination,
                timestamp: Timestamp(milliseconds: shell.now.wall.milliseconds + skew), nonce: nonce)
            var bytes = Array(Message.auth(.hello(hello)).encoded.utf8) + [10]
            // Then, often, what a node says first after the handshake.
            switch input.byte() % 4 {
            case 0: bytes += Array(Message.register(NodeAddress(host: host, port: port)).encoded.utf8) + [10]
            case 1: bytes += Array(Message.linkRequest(NodeAddress(host: host, port: port)).encoded.utf8) + [10]
            default: break
            }
            shell.receive(bytes, on: id)
            return
        }
        // A welcome for one of the node's dials: right (for the hello it sent) or not.
        guard let id = shell.connection(named: input.byte(), where: { !$0.inbound && $0.open }),
            case .auth(.hello(let hello))? = shell.connections[id]?.firstSent
        else { return }
        let code = input.byte() < 200 ? hello.welcomeCode(AuthTarget.key) : Array(repeating: input.byte(), count: 32)
        shell.receive(Array(Message.auth(.welcome(code: code)).encoded.utf8) + [10], on: id)
    }
}
