/// The event scripts the seed and peer targets read: a byte string is a list of ops, each an op
/// byte (taken modulo the number of ops) and its arguments. Connections are named by one byte
/// (`0x01` in#1, `0x81` out#1; see `ScriptedShell.connection(named:)`). Raw lines are written
/// out and end at a newline, so a script of lines is readable in a hex dump, and a fuzzer's
/// mutation of one line's text changes nothing else.
enum ScriptOp: UInt8, CaseIterable {
    /// A connection comes in: remote host (byte), ephemeral port (byte).
    case accept = 0
    /// Bytes up to a newline arrive on a connection, with the newline: connection, text, `\n`.
    case line
    /// Raw bytes arrive, no newline added: connection, count (byte), bytes.
    case chunk
    /// A well-formed line with fuzzed fields arrives as bytes: connection, template.
    case message
    /// The same, delivered already decoded (`Event.message`, as the simulator does).
    case decoded
    /// The other end closes or the connection fails: connection, how (byte).
    case close
    /// An opening connection opens: connection.
    case connected
    /// An opening connection fails: connection, refused (byte).
    case connectFailed
    /// Time passes: byte × 10 ms.
    case wait
    /// Time passes up to the next armed timer, which fires.
    case nextTimer
    /// A long pause: u16 × 100 ms (up to 109 minutes).
    case pause
    /// The wall clock jumps: (byte − 128) s.
    case clockJump
    /// The other end answers the last line sent on a connection as an honest node would
    /// (opening it first if it is still opening): connection, choice (byte).
    case answer
    /// A well-formed gossip line arrives: connection, template fields.
    case gossip
    /// Ops particular to the kind of node (`ScriptedNode.special`).
    case special1
    case special2

    /// Runs a whole script on a started shell, at most `limit` ops.
    static func run<Node: ScriptedNode>(_ input: inout FuzzInput, on shell: inout ScriptedShell<Node>, limit: Int = 2000) {
        var ops = 0
        while !input.isAtEnd, !shell.stopped, ops < limit {
            ops += 1
            let op = ScriptOp(rawValue: input.byte() % UInt8(ScriptOp.allCases.count))!
            op.run(&input, &shell)
        }
    }

    private func run<Node: ScriptedNode>(_ input: inout FuzzInput, _ shell: inout ScriptedShell<Node>) {
        switch self {
        case .accept:
            let host = input.pick(Pools.remoteHosts)
            shell.accept(from: NodeAddress(host: host, port: 40_000 + UInt16(input.byte())))
        case .line:
            let id = shell.connection(named: input.byte())
            let text = input.bytes(upTo: 10)
            if let id { shell.receive(text + [10], on: id) }
        case .chunk:
            let id = shell.connection(named: input.byte())
            let bytes = input.bytes(count: Int(input.byte()))
            if let id { shell.receive(bytes, on: id) }
        case .message, .decoded, .gossip:
            let id = shell.connection(named: input.byte())
            let remote = id.flatMap { shell.connections[$0]?.remote }
            var fields = Fields(input: input, shell: shell, remote: remote)
            let message = self == .gossip ? fields.gossip() : fields.message()
            input = fields.input
            guard let id else { return }
            let line = message.encoded
            if self == .decoded, let decoded = try? Message(decoding: line), shell.connections[id]?.open == true {
                shell.deliver(.message(id, decoded))
            } else {
                shell.receive(Array(line.utf8) + [10], on: id)
            }
        case .close:
            let id = shell.connection(named: input.byte())
            let how = input.byte()
            if let id { shell.remoteClosed(id, how: how) }
        case .connected:
            if let id = shell.connection(named: input.byte(), where: { !$0.open }) { shell.deliver(.connected(id)) }
        case .connectFailed:
            let id = shell.connection(named: input.byte(), where: { !$0.open })
            let refused = input.bool()
            if let id { shell.deliver(.connectFailed(id, reason: refused ? .refused : "Connection timed out")) }
        case .wait:
            shell.advance(by: .milliseconds(10 * Int(input.byte())))
        case .nextTimer:
            shell.advanceToNextTimer()
        case .pause:
            shell.advance(by: .milliseconds(100 * Int(input.u16())))
        case .clockJump:
            shell.jumpWallClock(by: (Int64(input.byte()) - 128) * 1000)
        case .answer:
            let id = shell.connection(named: input.byte())
            let choice = input.byte()
            guard let id else { return }
            if shell.connections[id]?.open == false { shell.deliver(.connected(id)) }
            guard let connection = shell.connections[id], let asked = connection.lastSent,
                let reply = Self.honestAnswer(to: asked, from: connection.remote, choice: choice)
            else { return }
            shell.receive(Array(reply.encoded.utf8) + [10], on: id)
        case .special1:
            Node.special(1, &shell, &input)
        case .special2:
            Node.special(2, &shell, &input)
        }
    }

    /// What a correct seed or peer at `remote` answers to `asked`.
    static func honestAnswer(to asked: Message, from remote: NodeAddress, choice: UInt8) -> Message? {
        switch asked {
        case .register(let me):
            return .peerList(Array(Pools.peers.filter { $0 != me }.prefix(Int(choice) % 5)))
        case .listPeers:
            return .peerList(Array(Pools.peers.prefix(Int(choice) % 5)))
        case .linkRequest:
            return choice % 4 == 3 ? .linkRefused("inbound link limit (32) reached") : .linkAccepted(remote)
        case .livenessRequest(let timestamp, let sender):
            return .livenessReply(timestamp: timestamp, sender: sender, replier: remote)
        case .listMembers(let offset):
            return .members(offset: offset, total: offset, [])
        default:
            return nil
        }
    }
}

/// Fixed addresses for scripts: a seed or peer sees these hosts and ports most.
enum Pools {
    static let remoteHosts: [NodeAddress.Host] = [
        .loopback, .ipv4(127, 0, 0, 2), .ipv6(0, 1), .ipv6(0, 0xFFFF_7F00_0001), .ipv4(10, 1, 2, 3),
    ]
    /// Listen ports of other peers.
    static let ports: [UInt16] = (6001...6008).map { UInt16($0) }
    static let peers: [NodeAddress] = ports.map { NodeAddress(host: .loopback, port: $0) }
}

/// Builds well-formed messages whose fields come from the script: an address field may be the
/// node's own address, the connection's host with a listen port, a seed, an address the node
/// knows or dialled, a fixed one, a mapped IPv6 spelling, a random one or `0.0.0.0`; a timestamp
/// may be now, near it, far in the past or future, or the extremes.
struct Fields<Node: ScriptedNode> {
    var input: FuzzInput
    let shell: ScriptedShell<Node>
    let remote: NodeAddress?

    mutating func message() -> Message {
        switch input.byte() % 14 {
        case 0: return .register(address())
        case 1: return .listPeers
        case 2: return .peerList((0..<Int(input.byte()) % 40).map { _ in address() })
        case 3: return .deadNode(dead: address(), timestamp: timestamp(), reporter: address())
        case 4: return .linkRequest(address())
        case 5: return .linkAccepted(address())
        case 6: return .linkRefused(text())
        case 7: return .livenessRequest(timestamp: timestamp(), sender: address())
        case 8: return .livenessReply(timestamp: timestamp(), sender: address(), replier: address())
        case 9: return gossip()
        case 10: return .error(text())
        case 11: return .leave(address())
        case 12: return .listMembers(offset: Int(input.u16()))
        default:
            let offset = Int(input.byte())
            let rows = (0..<Int(input.byte()) % 8).map { _ in Member(address(), input.pick(Member.State.allCases)) }
            return .members(offset: offset, total: offset + rows.count + Int(input.byte() % 4), rows)
        }
    }

    mutating func gossip() -> Message {
        let sequence: Int
        switch input.byte() % 4 {
        case 0: sequence = 1 + Int(input.byte() % 16)
        case 1: sequence = 1 + Int(input.u16())
        case 2: sequence = 999_999_999_999_999_999
        default: sequence = 1
        }
        return .gossip(GossipMessage(timestamp: timestamp(), origin: address(), sequence: sequence))
    }

    mutating func address() -> NodeAddress {
        let port = Pools.ports[Int(input.byte()) % Pools.ports.count]
        switch input.byte() % 11 {
        case 0: return shell.node.address
        case 1: return NodeAddress(host: remote?.host ?? .loopback, port: port)
        case 2: return from(shell.node.seedAddresses) ?? NodeAddress(host: .loopback, port: 5001)
        case 3: return from(shell.dialled) ?? NodeAddress(host: .loopback, port: port)
        case 4: return from(shell.node.knownAddresses) ?? NodeAddress(host: .loopback, port: port)
        case 5: return NodeAddress(host: .loopback, port: port)
        case 6: return NodeAddress(host: .ipv6(0, 1), port: port)
        case 7: return NodeAddress(host: .ipv6(0, 0xFFFF_7F00_0001), port: port)
        case 8:
            let host = NodeAddress.Host.ipv4(input.byte(), input.byte(), input.byte(), input.byte())
            return NodeAddress(host: host, port: max(1, input.u16()))
        case 9: return NodeAddress(host: .ipv4(0, 0, 0, 0), port: port)
        default: return remote ?? NodeAddress(host: .loopback, port: port)
        }
    }

    private mutating func from(_ list: [NodeAddress]) -> NodeAddress? {
        let k = Int(input.byte())
        return list.isEmpty ? nil : list[k % list.count]
    }

    mutating func timestamp() -> Timestamp {
        let wall = shell.now.wall.milliseconds
        switch input.byte() % 6 {
        case 0: return shell.now.wall
        case 1: return Timestamp(milliseconds: wall + (Int64(input.byte()) - 128) * 100)
        case 2: return Timestamp(milliseconds: wall - Int64(input.byte()) * 10_000)
        case 3: return Timestamp(milliseconds: wall + Int64(input.byte()) * 10_000)
        case 4: return Timestamp(milliseconds: 0)
        default: return Timestamp(milliseconds: 999_999_999_999_999)
        }
    }

    mutating func text() -> String {
        String(decoding: input.bytes(upTo: 10), as: UTF8.self)
    }
}
