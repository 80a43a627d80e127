import GossipCore

/// A deterministic simulation of a whole network: the very same `SeedProtocol` and
/// `PeerProtocol` instances the `seed` and `peer` programs run, driven with virtual time and a
/// modelled network (latency, TCP segment loss, partitions, crashes) instead of sockets.
///
/// This class is the shell of every instance at once: it carries out their actions (a send
/// becomes a delivery at a later virtual time, a connect becomes a SYN that may be refused),
/// and feeds them events from one agenda ordered by (time, insertion order). Every random
/// choice, the instances' and the network's, comes from generators seeded by `rngSeed`, so the
/// same settings give the same run, event for event; `digest` proves it.
public final class Simulation {
    public let settings: SimulationSettings

    // The nodes: seeds are 0..<seedCount, peers follow.
    var seeds: [SeedProtocol] = []
    var peers: [PeerProtocol] = []
    var addresses: [NodeAddress] = []
    var indexOf: [NodeAddress: Int32] = [:]
    let seedCount: Int
    /// Listening (joined and not crashed).
    var alive: [Bool] = []
    var joined: [Bool] = []
    /// Each node's armed timers. A `schedule` also puts a wake-up on the agenda carrying the
    /// arming's token; a wake-up whose arming was replaced or cancelled since is stale and is
    /// dropped (`TimerTable.fire`), so the agenda never needs an entry removed.
    var timers: [TimerTable<TimerID>] = []
    var nextInbound: [Int32] = []

    // The network.
    var pipes: [Pipe] = []
    /// Each node's connections, by number: the pipe, or -1 once closed.
    var outboundPipes: [[Int32]] = []
    var inboundPipes: [[Int32]] = []
    var pipesOf: [[Int32]] = []
    /// Peers cut off by each partition.
    var cutOff: [[Bool]] = []

    var agenda = EventQueue<Job>()
    var now: Int64 = 0
    var networkRandom: SeededRandom
    var scriptRandom: SeededRandom
    var actions: [Action] = []
    var digest = TraceDigest()
    public internal(set) var eventCount = 0
    var metrics: Metrics

    /// Virtual time zero on the wall clock written into messages (2026-11-21 00:00 UTC):
    /// fixed, so message texts, and the run, do not depend on when it is made.
    static let epochMilliseconds: Int64 = 1_795_219_200_000

    public init(settings: SimulationSettings) {
        self.settings = settings
        seedCount = settings.seeds
        var master = SeededRandom(seed: settings.rngSeed)
        networkRandom = SeededRandom(seed: master.next())
        scriptRandom = SeededRandom(seed: master.next())
        metrics = Metrics(peerCount: settings.peers)
        var seedAddresses: [NodeAddress] = []
        for i in 0..<settings.seeds {
            seedAddresses.append(NodeAddress(host: .ipv4(192, 168, UInt8(i >> 8), UInt8(i & 0xFF)), port: 5001))
        }
        for (i, address) in seedAddresses.enumerated() {
            var seed = SeedProtocol(settings: settings.seedSettings(address: address), rng: SeededRandom(seed: master.next()))
            seed.logging = false  // Nobody reads the logs of a simulated node; don't build them.
            seeds.append(seed)
            register(address, index: i)
        }
        for i in 0..<settings.peers {
            let address = NodeAddress(host: .ipv4(10, UInt8(i >> 16), UInt8((i >> 8) & 0xFF), UInt8(i & 0xFF)), port: 6000)
            var peer = PeerProtocol(
                settings: settings.peerSettings(address: address, seeds: seedAddresses), rng: SeededRandom(seed: master.next()))
            peer.logging = false
            peers.append(peer)
            register(address, index: settings.seeds + i)
        }
        scheduleScript()
    }

    private func register(_ address: NodeAddress, index: Int) {
        addresses.append(address)
        indexOf[address] = Int32(index)
        alive.append(false)
        joined.append(false)
        timers.append(TimerTable())
        nextInbound.append(1)
        pipesOf.append([])
        outboundPipes.append([])
        inboundPipes.append([])
    }

    /// What is on the agenda.
    enum Job {
        /// A node starts listening (seeds at time zero, peers spread over `joinOver`).
        case join(Int32)
        /// A segment with a message reaches one end of a pipe.
        /// `tracked`: the broadcast's index in the metrics (-1: not tracked).
        case deliver(Int32, pipe: Int32, Message, hop: UInt8, tracked: Int32)
        /// A connection request reaches the listener.
        case syn(pipe: Int32)
        /// The answer to a connection request reaches the dialler.
        case connectResult(pipe: Int32, failure: ConnectFailure?)
        /// The other end's close (or reset) reaches this end.
        case fin(Int32, pipe: Int32, CloseReason)
        case timer(Int32, TimerID, TimerTable<TimerID>.Token)
        case broadcast(Int32)
        case crash(count: Int)
        /// An event for a node now (kept on the agenda so that no handler runs inside another).
        case event(Int32, Event)
    }

    private func scheduleScript() {
        for i in 0..<seedCount { agenda.push(.join(Int32(i)), at: 0) }
        let joinSpan = settings.joinOver.wholeNanoseconds
        for i in 0..<settings.peers {
            let at = settings.peers > 1 ? joinSpan * Int64(i) / Int64(settings.peers) : 0
            agenda.push(.join(Int32(seedCount + i)), at: at + 1_000_000)  // seeds listen first
        }
        var candidates = Array(0..<settings.peers)
        let broadcastStart = settings.effectiveBroadcastAt.wholeNanoseconds
        for b in 0..<min(settings.broadcasts, settings.peers) {
            let pick = Int.random(in: b..<candidates.count, using: &scriptRandom)
            candidates.swapAt(b, pick)
            agenda.push(.broadcast(Int32(seedCount + candidates[b])), at: broadcastStart + Int64(b) * 100_000_000)
        }
        for crash in settings.crashes { agenda.push(.crash(count: crash.count), at: crash.at.wholeNanoseconds) }
        for partition in settings.partitions {
            var cut = [Bool](repeating: false, count: seedCount + settings.peers)
            let size = Int((Double(settings.peers) * partition.fraction).rounded())
            var order = Array(0..<settings.peers)
            for k in 0..<min(size, order.count) {
                let pick = Int.random(in: k..<order.count, using: &scriptRandom)
                order.swapAt(k, pick)
                cut[seedCount + order[k]] = true
            }
            cutOff.append(cut)
        }
    }

    /// Runs until the agenda is empty or the time limit; returns the report.
    public func run() -> SimulationReport {
        let limit = settings.effectiveUntil.wholeNanoseconds
        while let time = agenda.nextTime, time <= limit {
            let (_, job) = agenda.pop()!
            now = time
            eventCount += 1
            perform(job)
        }
        now = limit
        return report()
    }

    var nowValue: Now {
        Now(instant: Instant(nanoseconds: now), wall: Timestamp(milliseconds: Self.epochMilliseconds + now / 1_000_000))
    }

    private func perform(_ job: Job) {
        digest.mix(now)
        switch job {
        case .join(let node):
            digest.mix(1)
            digest.mix(Int(node))
            alive[Int(node)] = true
            joined[Int(node)] = true
            if Int(node) < seedCount {
                seeds[Int(node)].start(now: nowValue, actions: &actions)
            } else {
                metrics.joined(peer: Int(node) - seedCount, at: now)
                peers[Int(node) - seedCount].start(now: nowValue, actions: &actions)
            }
            apply(node)
        case .deliver(let node, let pipe, let message, let hop, let tracked):
            deliver(message, hop: hop, tracked: tracked, to: node, pipe: pipe)
        case .syn(let pipe):
            synArrived(pipe)
        case .connectResult(let pipe, let failure):
            connectAnswered(pipe, failure: failure)
        case .fin(let node, let pipe, let reason):
            finArrived(node, pipe: pipe, reason: reason)
        case .timer(let node, let id, let token):
            guard alive[Int(node)], timers[Int(node)].fire(id, token: token) else { return }
            digest.mix(5)
            digest.mix(Int(node))
            // The token names the arming (a per-node counter): the same in every process,
            // unlike a hash of the ID, and it needs no list of the timers.
            digest.mix(Int(token.value))
            handle(.timer(id), at: node)
        case .broadcast(let node):
            broadcast(from: node)
        case .crash(let count):
            crash(count)
        case .event(let node, let event):
            guard alive[Int(node)] else { return }
            digest.mix(9)
            digest.mix(Int(node))
            handle(event, at: node)
        }
    }

    /// Feeds one event to a node's instance and carries out its actions.
    func handle(_ event: Event, at node: Int32) {
        let n = Int(node)
        if n < seedCount {
            let listed = seeds[n].registry.count
            seeds[n].handle(event, now: nowValue, actions: &actions)
            // A seed drops a peer when it confirms a death (a report, its own probe or check):
            // whatever the event, a shorter list may mean a crashed peer was just dropped.
            if seeds[n].registry.count < listed { seedListShrank(n) }
        } else {
            peers[n - seedCount].handle(event, now: nowValue, actions: &actions)
        }
        apply(node)
    }

    /// Records, for every crashed peer seed `n` listed, whether it has dropped it now.
    private func seedListShrank(_ n: Int) {
        if let gone = seeds[n].membership.departures.last, gone.state == .dead, let index = indexOf[gone.address],
            alive[Int(index)]
        {
            metrics.falseDrops += 1
        }
        for crash in metrics.crashes where crash.pendingSeeds.contains(n) {
            if !seeds[n].registry.contains(addresses[seedCount + crash.peer]) {
                metrics.seedDropped(peer: crash.peer, seed: n, at: now)
            }
        }
    }

    private func broadcast(from node: Int32) {
        guard alive[Int(node)] else { return }
        let peer = Int(node) - seedCount
        // The message the peer is about to create, tracked before it floods it.
        let created = GossipMessage(
            timestamp: nowValue.wall, origin: addresses[Int(node)], sequence: peers[peer].messagesCreated + 1)
        digest.mix(6)
        digest.mix(created.text)
        metrics.created(created, by: peer, at: now)
        handle(.command(.broadcast), at: node)
        precondition(peers[peer].messageLog.contains(created), "the broadcast created another message than expected")
    }

    private func crash(_ count: Int) {
        var live = (seedCount..<alive.count).filter { alive[$0] }
        for k in 0..<min(count, live.count) {
            let pick = Int.random(in: k..<live.count, using: &scriptRandom)
            live.swapAt(k, pick)
            let node = Int32(live[k])
            digest.mix(7)
            digest.mix(Int(node))
            let listing = (0..<seedCount).filter { seeds[$0].registry.contains(addresses[Int(node)]) }
            metrics.crashed(peer: Int(node) - seedCount, at: now, listedBy: listing)
            alive[Int(node)] = false
            // The kernel closes a dead process's connections: each other end sees a reset.
            for p in pipesOf[Int(node)] { closeEnd(of: node, pipe: p, reason: .failed("Connection reset by peer")) }
            pipesOf[Int(node)] = []
        }
    }
}
