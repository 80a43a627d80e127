import GossipCore

/// The modelled network: TCP connections as pairs of in-order segment streams.
///
/// - Latency: each segment takes a one-way latency drawn from the model.
/// - Loss: a segment is lost with probability `loss`; TCP resends it after a retransmission
///   time-out (200 ms, Linux's minimum, doubling per loss up to 120 s), so it arrives late,
///   never out of order: later segments of the stream wait behind it.
/// - Partitions: a segment that would cross an active cut is held until the cut heals (TCP
///   keeps retransmitting); a connection request across it fails after 127 s (Linux's SYN
///   retries) or succeeds when the cut heals, whichever is first.
/// - Crashes: a crashed node's connections are reset (its kernel lives on); a connection
///   request to it is refused.
extension Simulation {
    /// One TCP connection between a dialling node (client) and a listening node (server).
    struct Pipe {
        var client: Int32
        var clientID: ConnectionID
        var server: Int32
        var serverID: ConnectionID?
        var clientOpen = true
        var serverOpen = false
        /// Arrival time of the last segment each way: nothing may arrive before it (in order).
        var lastToServer: Int64 = 0
        var lastToClient: Int64 = 0
    }

    /// The pipe behind a node's connection. Connection numbers are handed out in sequence
    /// (the instance numbers its dials, the simulator its accepts), so a per-node array indexed
    /// by number replaces a hash table: the busiest lookup of the run becomes an index.
    func endpoint(_ node: Int32, _ id: ConnectionID) -> Int32? {
        let table = id.direction == .outbound ? outboundPipes[Int(node)] : inboundPipes[Int(node)]
        let index = id.number - 1
        guard index >= 0, index < table.count, table[index] >= 0 else { return nil }
        return table[index]
    }

    func setEndpoint(_ node: Int32, _ id: ConnectionID, _ pipe: Int32?) {
        let index = id.number - 1
        guard index >= 0 else { return }
        if id.direction == .outbound {
            while outboundPipes[Int(node)].count <= index { outboundPipes[Int(node)].append(-1) }
            outboundPipes[Int(node)][index] = pipe ?? -1
        } else {
            while inboundPipes[Int(node)].count <= index { inboundPipes[Int(node)].append(-1) }
            inboundPipes[Int(node)][index] = pipe ?? -1
        }
    }

    static let minimumRetransmission: Int64 = 200_000_000
    static let maximumRetransmission: Int64 = 120_000_000_000
    static let synTimeout: Int64 = 127_000_000_000

    /// When a segment sent now from `from` to `to` arrives, not counting stream order.
    func transit(from: Int32, to: Int32) -> Int64 {
        var delay = settings.latency.sample(using: &networkRandom)
        if settings.loss > 0 {
            var timeout = Self.minimumRetransmission
            while Double(networkRandom.next() >> 11) / Double(1 << 53) < settings.loss {
                delay += timeout
                timeout = min(timeout * 2, Self.maximumRetransmission)
            }
        }
        var arrival = now + delay
        if let heal = blockedUntil(from: from, to: to) {
            arrival = max(arrival, heal + settings.latency.sample(using: &networkRandom))
        }
        return arrival
    }

    /// The end of the active partition that stops segments from `from` to `to`, if any.
    func blockedUntil(from: Int32, to: Int32) -> Int64? {
        var until: Int64?
        for (k, partition) in settings.partitions.enumerated() {
            guard partition.from.wholeNanoseconds <= now, now < partition.to.wholeNanoseconds else { continue }
            let fromCut = cutOff[k][Int(from)]
            let toCut = cutOff[k][Int(to)]
            guard fromCut != toCut else { continue }
            let blocked: Bool
            switch partition.direction {
            case .both: blocked = true
            case .outbound: blocked = fromCut
            case .inbound: blocked = toCut
            }
            if blocked { until = max(until ?? 0, partition.to.wholeNanoseconds) }
        }
        return until
    }

    /// The in-order arrival time of the next segment on `pipe` towards `server` (or client).
    func segmentArrival(pipe p: Int32, towardServer: Bool) -> Int64 {
        let pipe = pipes[Int(p)]
        let from = towardServer ? pipe.client : pipe.server
        let to = towardServer ? pipe.server : pipe.client
        var arrival = transit(from: from, to: to)
        if towardServer {
            arrival = max(arrival, pipe.lastToServer)
            pipes[Int(p)].lastToServer = arrival
        } else {
            arrival = max(arrival, pipe.lastToClient)
            pipes[Int(p)].lastToClient = arrival
        }
        return arrival
    }

    func openPipe(from node: Int32, id: ConnectionID, to address: NodeAddress) {
        guard let target = indexOf[address] else {
            // No such host: the connect fails at once, as with an unreachable network.
            agenda.push(.event(node, .connectFailed(id, reason: "Network is unreachable")), at: now)
            return
        }
        let p = Int32(pipes.count)
        pipes.append(Pipe(client: node, clientID: id, server: target))
        setEndpoint(node, id, p)
        pipesOf[Int(node)].append(p)
        if let heal = blockedUntil(from: node, to: target), heal - now > Self.synTimeout {
            agenda.push(.connectResult(pipe: p, failure: ConnectFailure("Connection timed out")), at: now + Self.synTimeout)
            return
        }
        agenda.push(.syn(pipe: p), at: segmentArrival(pipe: p, towardServer: true))
    }

    func synArrived(_ p: Int32) {
        let pipe = pipes[Int(p)]
        digest.mix(2)
        digest.mix(Int(p))
        guard pipe.clientOpen else { return }  // The dialler gave up or died meanwhile.
        guard alive[Int(pipe.server)] else {
            agenda.push(.connectResult(pipe: p, failure: .refused), at: segmentArrival(pipe: p, towardServer: false))
            return
        }
        let server = pipe.server
        let id = ConnectionID(.inbound, Int(nextInbound[Int(server)]))
        nextInbound[Int(server)] += 1
        pipes[Int(p)].serverID = id
        pipes[Int(p)].serverOpen = true
        setEndpoint(server, id, p)
        pipesOf[Int(server)].append(p)
        let client = addresses[Int(pipe.client)]
        let remote = NodeAddress(host: client.host, port: UInt16(32768 + Int(p) % 28000))
        agenda.push(.connectResult(pipe: p, failure: nil), at: segmentArrival(pipe: p, towardServer: false))
        handle(.accepted(id, remote: remote), at: server)
    }

    func connectAnswered(_ p: Int32, failure: ConnectFailure?) {
        let pipe = pipes[Int(p)]
        digest.mix(3)
        digest.mix(Int(p))
        guard pipe.clientOpen, alive[Int(pipe.client)] else { return }
        if let failure {
            pipes[Int(p)].clientOpen = false
            setEndpoint(pipe.client, pipe.clientID, nil)
            handle(.connectFailed(pipe.clientID, reason: failure), at: pipe.client)
        } else {
            handle(.connected(pipe.clientID), at: pipe.client)
        }
    }

    /// `node` sends `message` on its connection `id`.
    func send(_ message: Message, from node: Int32, on id: ConnectionID) {
        guard let p = endpoint(node, id) else { return }
        let pipe = pipes[Int(p)]
        let towardServer = pipe.client == node && pipe.clientID == id
        let target = towardServer ? pipe.server : pipe.client
        var hop: UInt8 = 0
        var tracked: Int32 = -1
        if case .gossip(let gossip) = message {
            tracked = Int32(metrics.index(of: gossip))
            if tracked >= 0 { hop = metrics.sent(Int(tracked), by: Int(node) - seedCount) }
        } else if case .deadNode(let dead, _, let reporter) = message {
            if let deadIndex = indexOf[dead], reporter == addresses[Int(node)] {
                metrics.deadReport(
                    dead: Int(deadIndex) - seedCount, reporter: Int(node) - seedCount, deadIsAlive: alive[Int(deadIndex)])
            }
        }
        agenda.push(
            .deliver(target, pipe: p, message, hop: hop, tracked: tracked),
            at: segmentArrival(pipe: p, towardServer: towardServer))
    }

    func deliver(_ message: Message, hop: UInt8, tracked: Int32, to node: Int32, pipe p: Int32) {
        let pipe = pipes[Int(p)]
        let atServer = pipe.server == node
        let open = atServer ? pipe.serverOpen : pipe.clientOpen
        guard open, alive[Int(node)], let id = atServer ? pipe.serverID : pipe.clientID else { return }
        digest.mix(4)
        digest.mix(Int(node))
        digest.mix(Int(p))
        let n = Int(node)
        if n >= seedCount, case .gossip(let gossip) = message {
            let peer = n - seedCount
            digest.mix(Int(tracked))
            guard tracked >= 0 else {
                handle(.message(id, message), at: node)
                return
            }
            // The simulator's record of who has a tracked message mirrors the peers' logs (and
            // is checked against them below), so the common case, a duplicate, costs no lookup
            // in the peer's log besides the peer's own.
            let isNew = !metrics.has(Int(tracked), peer: peer)
            // Recorded before the peer handles it: it forwards the message while handling it,
            // and each copy carries this peer's hop count plus one.
            if isNew {
                let sender = Int(atServer ? pipe.client : pipe.server) - seedCount
                metrics.received(Int(tracked), by: peer, from: sender, hop: hop, at: now)
            }
            let logged = peers[peer].messageLog.count
            handle(.message(id, message), at: node)
            if isNew, !peers[peer].messageLog.contains(gossip) { metrics.notKept(Int(tracked), by: peer) }
            // A peer that takes a message it already had as new would deliver it twice.
            if !isNew, peers[peer].messageLog.count > logged { metrics.duplicateDeliveries += 1 }
            return
        }
        digest.mix(Self.kindTag(message))
        handle(.message(id, message), at: node)
    }

    /// `node` closes its end of `pipe`; the other end hears of it after what is in flight.
    func closeEnd(of node: Int32, pipe p: Int32, reason: CloseReason) {
        let pipe = pipes[Int(p)]
        let isClient = pipe.client == node
        if isClient {
            guard pipes[Int(p)].clientOpen else { return }
            pipes[Int(p)].clientOpen = false
            setEndpoint(node, pipe.clientID, nil)
            if pipe.serverOpen {
                agenda.push(.fin(pipe.server, pipe: p, reason), at: segmentArrival(pipe: p, towardServer: true))
            }
        } else {
            guard pipes[Int(p)].serverOpen else { return }
            pipes[Int(p)].serverOpen = false
            if let serverID = pipe.serverID { setEndpoint(node, serverID, nil) }
            if pipe.clientOpen {
                agenda.push(.fin(pipe.client, pipe: p, reason), at: segmentArrival(pipe: p, towardServer: false))
            }
        }
    }

    func finArrived(_ node: Int32, pipe p: Int32, reason: CloseReason) {
        let pipe = pipes[Int(p)]
        let isClient = pipe.client == node
        guard alive[Int(node)], isClient ? pipe.clientOpen : pipe.serverOpen else { return }
        digest.mix(8)
        digest.mix(Int(p))
        let id: ConnectionID
        if isClient {
            pipes[Int(p)].clientOpen = false
            id = pipe.clientID
        } else {
            pipes[Int(p)].serverOpen = false
            guard let serverID = pipe.serverID else { return }
            id = serverID
        }
        setEndpoint(node, id, nil)
        if isClient, !pipe.serverOpen, pipe.serverID == nil {
            // Closed before it was ever accepted: for the dialler that is a failed connect.
            handle(.connectFailed(id, reason: .refused), at: node)
        } else {
            handle(.closed(id, reason), at: node)
        }
    }

    /// Carries out the actions `node`'s instance just returned.
    func apply(_ node: Int32) {
        // Nothing here feeds the node an event directly (every answer goes on the agenda), so
        // this never runs inside itself.
        for action in actions {
            switch action {
            case .connect(let id, let address):
                openPipe(from: node, id: id, to: address)
            case .send(let id, let message):
                send(message, from: node, on: id)
            case .close(let id):
                if let p = endpoint(node, id) { closeEnd(of: node, pipe: p, reason: .endOfStream) }
            case .log:
                break
            case .cancel(let id):
                timers[Int(node)].cancel(id)
            case .schedule(let id, let at):
                let token = timers[Int(node)].schedule(id, at: at)
                agenda.push(.timer(node, id, token), at: at.nanoseconds)
            }
        }
        actions.removeAll(keepingCapacity: true)
    }

    static func kindTag(_ message: Message) -> Int {
        switch message {
        case .register: return 1
        case .listPeers: return 2
        case .peerList(let list): return 3 + 16 * list.count
        case .deadNode: return 4
        case .linkRequest: return 5
        case .linkAccepted: return 6
        case .linkRefused: return 7
        case .livenessRequest(let ts, _): return 8 + 16 * Int(ts.milliseconds % 100_000)
        case .livenessReply: return 9
        case .gossip: return 10
        case .error: return 11
        case .leave: return 12
        case .listMembers: return 13
        case .members: return 14
        case .auth: return 15
        case .text: return 16
        }
    }
}
