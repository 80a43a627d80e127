import Testing

@testable import GossipCore

// Small helpers shared by the unit tests: literals, hand-made time, and views of actions.

/// An address from a literal the test wrote; a typo in a test is reported, not crashed on.
func addr(_ text: String) -> NodeAddress {
    do { return try NodeAddress(parsing: text) } catch {
        Issue.record("test address '\(text)' does not parse: \(error)")
        return NodeAddress(host: .loopback, port: 1)
    }
}

/// Checks that a line decodes the same through `Message(decoding: String)`, with its fast
/// paths, and through the general `Message(decoding: Substring)`: the same message or the same
/// error. Returns the message when both decoded one.
@discardableResult
func expectDecodersAgree(on line: String, sourceLocation: SourceLocation = #_sourceLocation) -> Message? {
    let fast = Result { () throws(WireError) -> Message in try Message(decoding: line) }
    let general = Result { () throws(WireError) -> Message in try Message(decoding: line[...]) }
    switch (fast, general) {
    case (.success(let a), .success(let b)):
        #expect(a == b, sourceLocation: sourceLocation)
        return a
    case (.failure(let a), .failure(let b)):
        #expect(a == b, sourceLocation: sourceLocation)
    default:
        Issue.record("fast path \(fast) but general decoder \(general)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The wall clock at the start of every test: 1795287680.000.
let baseWall: Int64 = 1_795_287_680_000

/// The time `ms` milliseconds after a test's start, on both clocks.
func at(_ ms: Int64) -> Now {
    Now(instant: Instant(nanoseconds: ms * 1_000_000), wall: Timestamp(milliseconds: baseWall + ms))
}

/// A gossip message from `origin`, created `ms` milliseconds after the start.
func gossip(_ sequence: Int, at ms: Int64 = 0, from origin: NodeAddress = addr("127.0.0.1:6009")) -> GossipMessage {
    GossipMessage(timestamp: Timestamp(milliseconds: baseWall + ms), origin: origin, sequence: sequence)
}

/// The UTF-8 bytes of a text.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The lines an instance sent, in order.
func sends(_ actions: [Action]) -> [(ConnectionID, Message)] {
    actions.compactMap { if case .send(let id, let message) = $0 { (id, message) } else { nil } }
}

/// The messages sent on one connection, in order.
func sent(on id: ConnectionID, _ actions: [Action]) -> [Message] {
    sends(actions).filter { $0.0 == id }.map(\.1)
}

/// The connections an instance asked to open, in order.
func connects(_ actions: [Action]) -> [(ConnectionID, NodeAddress)] {
    actions.compactMap { if case .connect(let id, let to) = $0 { (id, to) } else { nil } }
}

/// The log lines, in order.
func logs(_ actions: [Action]) -> [String] {
    events(actions).map(EventRenderer.sentence)
}

/// The events an instance reported.
func events(_ actions: [Action]) -> [NodeEvent] {
    actions.compactMap { if case .log(let event) = $0 { event } else { nil } }
}

/// The timers an instance armed.
func schedules(_ actions: [Action]) -> [TimerID: Instant] {
    var result: [TimerID: Instant] = [:]
    for case .schedule(let id, let deadline) in actions { result[id] = deadline }
    return result
}

/// The connections an instance asked to close.
func closes(_ actions: [Action]) -> [ConnectionID] {
    actions.compactMap { if case .close(let id) = $0 { id } else { nil } }
}

/// Whether any `.error` line was sent on `id`.
func sentError(on id: ConnectionID, _ actions: [Action]) -> Bool {
    sent(on: id, actions).contains { if case .error = $0 { true } else { false } }
}

// MARK: - Driving a peer

/// A peer at 127.0.0.1:6001 with three seeds, driven by hand with hand-made time.
struct PeerFixture {
    static let me = addr("127.0.0.1:6001")
    static let seeds = [addr("127.0.0.1:5001"), addr("127.0.0.1:5002"), addr("127.0.0.1:5003")]
    static let gossipInterval: Duration = .milliseconds(100)
    static let livenessInterval: Duration = .seconds(1)

    var peer: PeerProtocol
    /// Milliseconds since the start, on both clocks.
    var time: Int64 = 0
    /// The seed connections opened at start, in order.
    var seedConnections: [(ConnectionID, NodeAddress)] = []
    private var nextInbound = 1

    init(rngSeed: UInt64 = 7, _ adjust: (inout PeerSettings) -> Void = { _ in }) {
        var settings = PeerSettings(address: Self.me, seeds: Self.seeds)
        settings.messageCount = 3
        settings.gossipInterval = Self.gossipInterval
        settings.livenessInterval = Self.livenessInterval
        settings.livenessMisses = 3
        adjust(&settings)
        peer = PeerProtocol(settings: settings, rng: SeededRandom(seed: rngSeed))
    }

    var now: Now { at(time) }

    mutating func start() -> [Action] {
        let actions = peer.start(now: now)
        seedConnections = connects(actions)
        return actions
    }

    mutating func handle(_ event: Event) -> [Action] { peer.handle(event, now: now) }

    mutating func line(_ id: ConnectionID, _ text: String) -> [Action] { handle(.line(id, text)) }

    /// Lets time pass, then fires a timer.
    mutating func fire(_ timer: TimerID, after delay: Duration) -> [Action] {
        time += delay.wholeMilliseconds
        return handle(.timer(timer))
    }

    /// Starts, opens both chosen seed connections and answers them with these peer lists;
    /// returns the actions of the last answer (where linking starts).
    mutating func register(lists: [[NodeAddress]] = [[], []]) -> [Action] {
        _ = start()
        var last: [Action] = []
        for ((id, _), list) in zip(seedConnections, lists) {
            _ = handle(.connected(id))
            last = line(id, Message.peerList(list).encoded)
        }
        return last
    }

    /// Registers with one peer known, and links to it by dialling; returns the link's connection.
    mutating func linkOutbound(to neighbour: NodeAddress) -> ConnectionID {
        let dials = connects(register(lists: [[neighbour], []]))
        guard let (id, _) = dials.first(where: { $0.1 == neighbour }) else {
            Issue.record("the peer did not dial \(neighbour)")
            return ConnectionID(.outbound, 0)
        }
        _ = handle(.connected(id))
        _ = line(id, Message.linkAccepted(neighbour).encoded)
        return id
    }

    /// A peer links to this one; returns the actions of its `Link Request`.
    mutating func linkInbound(from neighbour: NodeAddress) -> (ConnectionID, [Action]) {
        let id = ConnectionID(.inbound, nextInbound)
        nextInbound += 1
        _ = handle(.accepted(id, remote: NodeAddress(host: neighbour.host, port: 40_000 + UInt16(nextInbound))))
        return (id, line(id, Message.linkRequest(neighbour).encoded))
    }

    /// Links from `neighbour` and lets it answer the probe on its address, as a real peer
    /// does: the link is verified. Returns the link and the actions of the answer.
    mutating func linkInboundVerified(from neighbour: NodeAddress) -> (ConnectionID, [Action]) {
        let (id, actions) = linkInbound(from: neighbour)
        return (id, answerProbe(of: neighbour, in: actions))
    }

    /// Lets the probe delay pass; returns the probe of `neighbour` that then leaves.
    mutating func awaitProbe(of neighbour: NodeAddress) -> ConnectionID? {
        let actions = fire(.connectionDeadline, after: PeerProtocol.probeDelay)
        return connects(actions).first(where: { $0.1 == neighbour })?.0
    }

    /// Lets the probe delay pass and answers the probe to `neighbour`, as `neighbour` would.
    mutating func answerProbe(of neighbour: NodeAddress, in actions: [Action] = []) -> [Action] {
        guard let probe = awaitProbe(of: neighbour) else {
            Issue.record("no probe of \(neighbour)")
            return []
        }
        let request = handle(.connected(probe))
        guard case .livenessRequest(let timestamp, let sender)? = sent(on: probe, request).first else {
            Issue.record("the probe sent \(request)")
            return []
        }
        return line(probe, Message.livenessReply(timestamp: timestamp, sender: sender, replier: neighbour).encoded)
    }
}

// MARK: - Driving a seed

/// Answers every probe among `actions` as a live peer listening on the probed address would
/// (a seed lists a new registration only once its probe is answered); returns the seed's
/// actions for the answers.
func answerProbes(of seed: inout SeedProtocol, in actions: [Action], now: Now) -> [Action] {
    var answers: [Action] = []
    for (probe, peer) in connects(actions) {
        answers += seed.handle(.connected(probe), now: now)
        let reply = Message.livenessReply(timestamp: now.wall, sender: seed.address, replier: peer)
        answers += seed.handle(.line(probe, reply.encoded), now: now)
    }
    return answers
}
