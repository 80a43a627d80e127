/// The peer, as a state machine.
///
/// Its life: register with a quorum of seeds (`PeerProtocol+Registration`), link to peers from
/// their lists (`+Links`), create and flood messages (`+Gossip`), and check its neighbours'
/// liveness, reporting the dead to the seeds (`+Liveness`). This file holds the state and
/// routes each event to the part it concerns.
public struct PeerProtocol: NodeInstance, Sendable {
    public let settings: PeerSettings
    public var address: NodeAddress { settings.address }
    public var logging = true

    var rng: SeededRandom
    var nextConnection = 1

    /// What each open connection is for.
    var roles: [ConnectionID: Role] = [:]

    // Registration.
    /// Where this peer stands with each seed (`PeerProtocol+Registration`).
    var seeds = SeedStandings()
    /// The union of the peer lists received, in order of arrival.
    /// Kept until linking starts; then a bounded random part of it becomes `candidates`.
    public internal(set) var knownPeers: [NodeAddress] = []
    /// The open (or opening) connection to each seed.
    var seedConnections: [NodeAddress: ConnectionID] = [:]
    /// Liveness rounds since the last renewal, and whether the next round must renew anyway
    /// (after a round that heard from nobody, or a pause: the seeds may have dropped us).
    var roundsSinceRenewal = 0
    var renewSoon = false
    var linkingStarted = false

    // Links.
    /// Link candidates not tried yet, in the order they will be tried.
    var candidates: [NodeAddress] = []
    /// Neighbours in the order they were linked: every walk over them is in this order, so a
    /// run is a function of its inputs (a `Dictionary`'s order is not).
    public internal(set) var neighbourOrder: [NodeAddress] = []
    var neighbours: [NodeAddress: Neighbour] = [:]
    /// Connections that must reach their next phase by a deadline, in deadline order (every
    /// entry is `settings.identifyTimeout` after it was made, so appending keeps the order):
    /// inbound connections that have not said who they are, and verification probes.
    /// Entries of connections that moved on are skipped when they come due.
    var deadlines = DeadlineQueue()
    /// Unverified links to probe once `probeDelay` has passed (`PeerProtocol+Verification`).
    var probeStarts = DeadlineQueue()
    /// When `.connectionDeadline` is armed for, if it is.
    var connectionDeadlineAt: Instant?
    /// `Dead Node` reports a seed could not be given (its connection failed before they were
    /// sent): retried at the next liveness rounds while younger than `reportLifetime`.
    var undeliveredReports: [PendingReport] = []

    /// When the next liveness round is due, and whether the last one's reply time-out is armed
    /// (and when it was due: a time-out that fires far later tells the process was paused).
    var nextRoundAt: Instant?
    var replyTimeoutArmed = false
    var replyDueAt: Instant?
    /// Whether the `.catchUp` timer is armed (some neighbour is still catching up).
    var catchUpArmed = false

    // Gossip.
    public internal(set) var messageLog: MessageLog
    /// Own messages created so far (timed and broadcast): the last Msg# used.
    public internal(set) var messagesCreated = 0
    /// Own messages created by the gossip timer, up to `settings.messageCount`.
    var timedMessages = 0

    // Text messages (`PeerProtocol+Text`): their own record and sequence space.
    public internal(set) var textLog: TextLog
    /// Own texts sent (the last `seq` used), and others' texts taken.
    public internal(set) var textsSent = 0
    public internal(set) var textsReceived = 0
    /// `Dead Node` reports made (`PeerProtocol+Liveness`).
    public internal(set) var deadReportsSent = 0

    /// How lines that cannot be taken are logged and when their connection is closed.
    public var badInput = BadInput()

    public init(settings: PeerSettings, rng: SeededRandom) {
        self.settings = settings
        self.messageLog = MessageLog(
            capacity: settings.logCapacity, retention: settings.logRetention, maxClockSkew: settings.maxClockSkew,
            maxOrigins: settings.maxOrigins)
        self.textLog = TextLog(
            retention: settings.logRetention, maxClockSkew: settings.maxClockSkew, maxOrigins: settings.maxOrigins)
        self.rng = rng
    }

    /// What a connection is for.
    enum Role: Sendable {
        /// To a seed: registration and `Dead Node` reports. Lines wait in `queued` until it opens.
        case seed(NodeAddress, queued: [Message]?)
        /// To a peer we asked to link with; waiting for its answer. `since` bounds the wait.
        case dialling(NodeAddress, since: Instant)
        /// From someone not yet identified, since `since`: the first line must be a
        /// `Link Request` (or a seed's liveness probe), within `settings.identifyTimeout`.
        case inbound(remote: NodeAddress, since: Instant)
        /// An established link with a neighbour.
        case link(NodeAddress)
        /// Our check that a peer which linked to us answers on the address it claimed: a
        /// `Liveness Request` as the first line, as seeds probe (`PeerProtocol+Verification`).
        case probe(NodeAddress)
    }

    /// One neighbour: its link (nil while the link is down) and its liveness.
    struct Neighbour: Sendable {
        var connection: ConnectionID?
        var liveness: Liveness
        /// We opened this link, so we are the one to open it again if it drops.
        var dialledByUs: Bool
        /// It has shown it is what it claims: we dialled it, or it answered our probe on the
        /// address it claimed. Only a verified neighbour is monitored, dialled again when its
        /// link drops, sent the catch-up, and ever reported dead; an unverified one is a link
        /// while its connection is open and is forgotten when it closes.
        var verified: Bool
        /// The probe checking an unverified neighbour's address, while one is under way.
        var probe: ConnectionID?
        /// `messageLog.inserted` when its link came up: every message since was flooded to it,
        /// so its catch-up is what came before.
        var linkedAt = 0
        /// The last dial to it was refused: its host says nothing listens there (strong evidence).
        var refused = false
        /// The numbers (`messageLog.inserted` values) of the messages of its catch-up still to
        /// send, while it is catching up (`PeerProtocol+CatchUp`).
        var catchUp: Range<Int>?
    }

    /// A `Dead Node` report waiting for a seed connection.
    struct PendingReport: Sendable, Equatable {
        var seed: NodeAddress
        var dead: NodeAddress
        var timestamp: Timestamp
        /// When the report was made: past `reportLifetime` it is dropped, not delivered late.
        var madeAt: Instant
    }

    /// A report older than this is stale: after a partition heals, what a cut-off peer thought
    /// of the others is old news, and seeds would only have to refute it.
    var reportLifetime: Duration { settings.livenessInterval * 2 }

    /// The neighbours with a link up now and their connections, in link order: what every
    /// message is flooded over. Rebuilt when a link comes or goes (rare), read per message
    /// (often), so flooding does no lookups.
    var links: [(peer: NodeAddress, connection: ConnectionID)] = []

    mutating func linksChanged() {
        links = neighbourOrder.compactMap { peer in neighbours[peer]?.connection.map { (peer, $0) } }
    }

    /// Neighbours with a link up now, in link order.
    public var linkedNeighbours: [NodeAddress] { links.map(\.peer) }

    /// Links others opened to us: every such neighbour, its link up or down (a verified one
    /// whose link dropped keeps its place until it is back or reported dead), so the
    /// neighbours this peer keeps are bounded by `maxLinks + maxInboundLinks`.
    var inboundLinkCount: Int {
        neighbours.values.count { !$0.dialledByUs }
    }

    public mutating func start(now: Now, actions: inout [Action]) {
        log(.peerListening(address, seeds: settings.seeds), &actions)
        startRegistration(now: now, actions: &actions)
        if settings.messageCount > 0 {
            actions.append(.schedule(.gossip, at: now.instant + settings.gossipInterval))
        }
        nextRoundAt = now.instant + settings.livenessInterval
        actions.append(.schedule(.liveness, at: now.instant + settings.livenessInterval))
    }

    public mutating func handle(_ event: Event, now: Now, actions: inout [Action]) {
        if logging { badInput.summaries(now: now.instant, into: &actions) }
        switch event {
        case .accepted(let id, let remote):
            roles[id] = .inbound(remote: remote, since: now.instant)
            setDeadline(for: id, now: now, actions: &actions)
        case .connected(let id):
            connected(id, now: now, actions: &actions)
        case .connectFailed(let id, let reason):
            if reason.refused, case .dialling(let peer, _) = roles[id] { neighbours[peer]?.refused = true }
            connectionLost(id, why: "could not connect: \(reason)", now: now, actions: &actions)
        case .closed(let id, let reason):
            connectionLost(id, why: reason.description, now: now, actions: &actions)
        case .line(let id, let text):
            handleLine(text, on: id, now: now, actions: &actions)
        case .message(let id, let message):
            handleMessage(message, on: id, now: now, actions: &actions)
        case .command(.broadcast):
            broadcast(now: now, actions: &actions)
        case .command(.send(let text)):
            sendText(text, now: now, actions: &actions)
        case .stopping:
            leave(now: now, actions: &actions)
        case .lineNotUTF8(let id, let count):
            refuse(FramingError.notUTF8(byteCount: count), on: id, now: now, actions: &actions)
        case .lineTooLong(let id):
            refuse(FramingError.tooLong, on: id, now: now, closing: true, actions: &actions)
            // The shell closes the connection after this event; account for it now.
            connectionLost(id, why: "closed after an over-long line", now: now, actions: &actions)
        case .timer(.gossip):
            gossipTimerFired(now: now, actions: &actions)
        case .timer(.liveness):
            livenessTimerFired(now: now, actions: &actions)
        case .timer(.livenessTimeout):
            livenessTimeoutFired(now: now, actions: &actions)
        case .timer(.connectionDeadline):
            connectionDeadlinesDue(now: now, actions: &actions)
        case .timer(.registrationRetry):
            retryRegistrations(now: now, actions: &actions)
        case .timer(.catchUp):
            catchUpTimerFired(now: now, actions: &actions)
        case .timer(.membership), .timer(.connectionDeadlines):
            break  // A seed's timers; a peer never arms them.
        }
    }

    mutating func newConnection(to address: NodeAddress, actions: inout [Action]) -> ConnectionID {
        let id = ConnectionID(.outbound, nextConnection)
        nextConnection += 1
        actions.append(.connect(id, to: address))
        return id
    }

    private mutating func connected(_ id: ConnectionID, now: Now, actions: inout [Action]) {
        switch roles[id] {
        case .seed(let seed, let queued?):
            for message in queued { actions.append(.send(id, message)) }
            roles[id] = .seed(seed, queued: nil)
        case .dialling:
            actions.append(.send(id, .linkRequest(address)))
        case .probe:
            actions.append(.send(id, .livenessRequest(timestamp: now.wall, sender: address)))
        case .seed(_, nil), .inbound, .link, nil:
            break  // Open already, or not ours to open (or closed by us meanwhile).
        }
    }

    /// Every way a connection can end comes here, so no failure is ever dropped silently.
    mutating func connectionLost(_ id: ConnectionID, why: String, now: Now, actions: inout [Action]) {
        guard let role = roles.removeValue(forKey: id) else { return }
        switch role {
        case .seed(let seed, let queued):
            seedConnectionLost(seed, id: id, unsent: queued ?? [], why: why, now: now, actions: &actions)
        case .dialling(let peer, _):
            log(.linkFailed(peer, why: why), &actions)
            dialNextCandidates(now: now, actions: &actions)
        case .inbound(let remote, _):
            log(.connectionEnded(remote: "\(remote)", why: why), &actions)
        case .link(let peer):
            linkLost(peer, why: why, actions: &actions)
        case .probe(let peer):
            // Gone already: nothing to close.
            if neighbours[peer]?.probe == id { neighbours[peer]?.probe = nil }
            verificationFailed(peer, why: why, actions: &actions)
        }
    }

    private mutating func handleLine(_ text: String, on id: ConnectionID, now: Now, actions: inout [Action]) {
        let message: Message
        do { message = try Message(decoding: text) } catch {
            refuse(error, on: id, now: now, actions: &actions)
            return
        }
        handleMessage(message, on: id, now: now, actions: &actions)
    }

    private mutating func handleMessage(_ message: Message, on id: ConnectionID, now: Now, actions: inout [Action]) {
        // One lookup per line: this runs for every gossip message.
        let role = roles[id]
        if case .probe(let peer) = role {
            probeAnswer(message, from: peer, on: id, now: now, actions: &actions)
            return
        }
        if case .error(let reason) = message {
            // Never answer an error with an error: two confused nodes would ping-pong forever.
            if case .seed(let seed, _) = role, reason.hasPrefix(SeedProtocol.registrationRefused) {
                registrationRefused(seed, on: id, reason: Message.quoteText(reason), now: now, actions: &actions)
                return
            }
            if errorLogged(on: id, now: now) {
                log(.errorReceived(from: name(of: id), reason: Message.excerpt(reason)), &actions)
            }
            return
        }
        switch role {
        case .seed(let seed, _):
            seedLine(message, from: seed, now: now, actions: &actions)
        case .dialling(let peer, _):
            dialAnswer(message, from: peer, on: id, now: now, actions: &actions)
        case .inbound(let remote, _):
            inboundFirstLine(message, from: remote, on: id, now: now, actions: &actions)
        case .link(let peer):
            linkLine(message, from: peer, on: id, now: now, actions: &actions)
        case .probe:
            break  // Taken above.
        case nil:
            break  // Closed by us already; what was in flight does not matter.
        }
    }

    /// Answers input that could not be taken: logged with the sender, and an `Error:` back.
    /// `closing`: the shell closes the connection after this line anyway (an over-long line).
    mutating func refuse(
        _ error: some Error & CustomStringConvertible, on id: ConnectionID, now: Now, closing: Bool = false,
        actions: inout [Action]
    ) {
        let entry: NodeEvent? = errorLogged(on: id, now: now) ? .badInput(from: name(of: id), error: "\(error)") : nil
        answerError(error.description, log: entry, on: id, now: now, closing: closing, &actions)
    }

    /// Refuses a line that this kind of connection does not take.
    mutating func unexpected(_ message: Message, on id: ConnectionID, now: Now, actions: inout [Action]) {
        let error = "unexpected '\(Message.quote(message.encoded[...]))' on this connection"
        let entry: NodeEvent? = errorLogged(on: id, now: now) ? .unexpectedMessage(from: name(of: id), error: "\(error)") : nil
        answerError(error, log: entry, on: id, now: now, &actions)
    }

    /// Whether an error on `id` is to be logged in full now (and counts it for the log's rate
    /// limit): call only when about to log it, then pass the entry to `answerError`.
    mutating func errorLogged(on id: ConnectionID, now: Now) -> Bool {
        logging && badInput.logInFull(host(of: id), now: now.instant)
    }

    /// Every line the peer refuses comes here: `Error:` back, a log line unless this host's
    /// errors are over their rate (`BadInput`: then they are counted and summarised), and the
    /// connection closed once it has sent nothing but refused lines for a while.
    mutating func answerError(
        _ reply: String, log entry: NodeEvent?, on id: ConnectionID, now: Now, closing: Bool = false,
        _ actions: inout [Action]
    ) {
        guard let why = badInput.refuse(reply, log: entry, on: id, now: now, closing: closing, &actions) else { return }
        connectionLost(id, why: why, now: now, actions: &actions)
    }

    /// The host at the other end of a connection, as far as the peer knows it: the address it
    /// dialled, or the source of a connection it accepted.
    func host(of id: ConnectionID) -> NodeAddress.Host {
        switch roles[id] {
        case .seed(let address, _), .dialling(let address, _), .link(let address), .inbound(let address, _), .probe(let address):
            return address.host
        case nil: return .ipv4(0, 0, 0, 0)
        }
    }

    /// Names the other end of a connection for the log.
    func name(of id: ConnectionID) -> String {
        switch roles[id] {
        case .seed(let seed, _): return "seed \(seed)"
        case .dialling(let peer, _), .link(let peer): return "peer \(peer)"
        case .probe(let peer): return "probe of \(peer)"
        case .inbound(let remote, _): return "\(remote)"
        case nil: return "\(id)"
        }
    }
}
