/// The seed, as a state machine: keeps the list of registered peers, hands it to peers that
/// register, answers list queries, and drops a peer once a `Dead Node` report about it is
/// confirmed (`SeedMembership` holds the rules; `+Probes` checks the accused itself, and a
/// newcomer's address before listing it; `+Connections` bounds who may hold a connection).
public struct SeedProtocol: NodeInstance, Sendable {
    public let settings: SeedSettings
    public var address: NodeAddress { settings.address }
    public var logging = true
    public internal(set) var membership = SeedMembership()
    /// The listed peers (alive and suspect).
    public var registry: PeerRegistry { membership.registry }
    var rng: SeededRandom
    var nextConnection = 1
    /// The other end of each inbound connection, for naming the sender in the log.
    var remotes: [ConnectionID: NodeAddress] = [:]
    /// The peer that registered on each connection, once it has.
    var registeredOn: [ConnectionID: NodeAddress] = [:]
    /// Probes under way: the seed's own connections to suspects' and newcomers' listen
    /// addresses, and how many are under way for each peer (so starting one costs O(1)).
    var probes: [ConnectionID: Probe] = [:]
    var probesPerPeer: [NodeAddress: Int] = [:]
    /// New registrations waiting for their probe, in arrival order (from `joinQueueHead` on),
    /// and how many join probes are in flight (at most `SeedSettings.maxJoinProbes`).
    var joinQueue: [NodeAddress] = []
    var joinQueueHead = 0
    var joinProbesInFlight = 0
    /// Open inbound connections per host, bounded by `settings.maxConnectionsPerHost`.
    var connectionsPerHost: [NodeAddress.Host: Int] = [:]
    /// Inbound connections that have not registered (or are idle after a query), and join
    /// probes: each is given `settings.identifyTimeout`.
    var deadlines: ConnectionDeadlines
    /// When `.connectionDeadlines` is armed for (nil: not armed).
    var deadlinesArmedAt: Instant?
    /// Repeated refusals, logged once per kind and source per interval.
    var refusals = RefusalSummary(interval: SeedSettings.refusalSummaryInterval)
    /// When the membership check is armed for (nil: not armed).
    var checkArmedAt: Instant?
    /// How lines that cannot be taken are logged and when their connection is closed.
    public var badInput = BadInput()
    /// `Dead Node` reports received (taken or refused), for the operator's `status`.
    public internal(set) var deadReportsReceived = 0

    /// The start of every `Error:` that refuses a `Register`. A peer takes it as "not
    /// registered; try again later" and retries with backoff (docs/PROTOCOL.md).
    public static let registrationRefused = "registration refused"

    /// Rows per `Members:` line: 64 of the longest IPv6 rows still fit the line limit.
    public static let membersPageSize = 64

    public init(settings: SeedSettings, rng: SeededRandom) {
        self.settings = settings
        self.rng = rng
        self.deadlines = ConnectionDeadlines(timeout: settings.identifyTimeout)
    }

    /// A seed with the specification's timings.
    public init(address: NodeAddress, rng: SeededRandom) {
        self.init(settings: SeedSettings(address: address), rng: rng)
    }

    public mutating func start(now: Now, actions: inout [Action]) {
        log(.seedListening(address), &actions)
    }

    /// Arms the membership check for when it next has something to do (`nextCheck`, a walk
    /// over every member), unless it is armed for sooner already. Called after each check.
    mutating func scheduleCheck(now: Now, actions: inout [Action]) {
        guard let next = membership.nextCheck(now: now.instant, settings: settings) else { return }
        if let armed = checkArmedAt, armed <= next, armed > now.instant { return }
        checkArmedAt = next
        actions.append(.schedule(.membership, at: next))
    }

    /// Makes sure the membership check runs by `needed` (and not sooner than a check interval
    /// from now), after a change that needs a look by then. O(1), unlike `nextCheck`: a change
    /// can only need the check sooner, and a check armed too early just finds less to do, so a
    /// burst of ten thousand registrations costs no walk over the members each.
    mutating func scheduleCheck(by needed: Instant, now: Now, actions: inout [Action]) {
        if let armed = checkArmedAt, armed > now.instant, armed <= needed { return }
        let at = max(needed, now.instant + settings.checkInterval)
        checkArmedAt = at
        actions.append(.schedule(.membership, at: at))
    }

    public mutating func handle(_ event: Event, now: Now, actions: inout [Action]) {
        if logging { badInput.summaries(now: now.instant, into: &actions) }
        switch event {
        case .accepted(let id, let remote):
            accepted(id, from: remote, now: now, actions: &actions)
        case .line(let id, let text):
            handleLine(text, on: id, now: now, actions: &actions)
        case .message(let id, let message):
            handleMessage(message, text: message.encoded, on: id, now: now, actions: &actions)
        case .lineNotUTF8(let id, let count):
            refuse(FramingError.notUTF8(byteCount: count), on: id, now: now, actions: &actions)
        case .lineTooLong(let id):
            refuse(FramingError.tooLong, on: id, now: now, closing: true, actions: &actions)
            connectionEnded(id, why: "closed after an over-long line", now: now, actions: &actions)
        case .closed(let id, let reason):
            connectionEnded(id, why: reason.description, now: now, actions: &actions)
        case .connected(let id):
            probeConnected(id, now: now, actions: &actions)
        case .connectFailed(let id, let reason):
            probeFailed(id, reason: reason, now: now, actions: &actions)
        case .timer(.membership):
            checkArmedAt = nil
            checkMembers(now: now, actions: &actions)
            scheduleCheck(now: now, actions: &actions)
        case .timer(.connectionDeadlines):
            deadlinesArmedAt = nil
            deadlinesDue(now: now, actions: &actions)
        case .timer(.gossip), .timer(.liveness), .timer(.livenessTimeout), .timer(.registrationRetry), .timer(.catchUp), .timer(.connectionDeadline), .command, .stopping:
            break  // A seed gossips nothing, takes no commands, and has nobody to say goodbye to.
        }
    }

    private mutating func handleLine(_ text: String, on id: ConnectionID, now: Now, actions: inout [Action]) {
        let message: Message
        do { message = try Message(decoding: text) } catch {
            refuse(error, on: id, now: now, actions: &actions)
            return
        }
        handleMessage(message, text: text, on: id, now: now, actions: &actions)
    }

    /// `text` is the line as received, for the log.
    private mutating func handleMessage(_ message: Message, text: String, on id: ConnectionID, now: Now, actions: inout [Action])
    {
        if probes[id] != nil {
            probeAnswered(message, on: id, now: now, actions: &actions)
            return
        }
        // A connection refused at once, or closed by the seed: what was in flight is not for it.
        guard remotes[id] != nil else { return }
        switch message {
        case .register(let peer):
            register(peer, on: id, now: now, actions: &actions)
        case .listPeers:
            deadlines.extend(id, now: now.instant)
            let list = registry.sample(limit: Limits.maxPeerListEntries, excluding: nil, using: &rng)
            actions.append(.send(id, .peerList(list)))
            log(.listQuery(from: sender(id), sent: list.count, listed: registry.count), &actions)
        case .listMembers(let offset):
            deadlines.extend(id, now: now.instant)
            let rows = membership.rows()
            // Past the end (the membership shrank between pages): an empty page at the end, not
            // an offset past the total, which no reader takes (found by the fuzzer).
            let start = min(offset, rows.count)
            let page = Array(rows[start..<min(rows.count, start + Self.membersPageSize)])
            actions.append(.send(id, .members(offset: start, total: rows.count, page)))
        case .deadNode(let dead, _, let reporter):
            report(dead, by: reporter, text: text, on: id, now: now, actions: &actions)
        case .leave(let peer):
            guard registeredOn[id] == peer else {
                refuseLine(
                    "a peer leaves on the connection it registered on; \(peer) did not register here", on: id, now: now,
                    &actions)
                return
            }
            if membership.remove(peer, as: .left, now: now.instant) {
                log(.removedLeft(peer, listed: registry.count), &actions)
                scheduleCheck(by: now.instant + settings.departureRetention, now: now, actions: &actions)
            }
            unregistered(id, now: now, actions: &actions)
        case .error(let reason):
            // Never answer an error with an error: two confused nodes would ping-pong forever.
            if errorLogged(on: id, now: now) {
                log(.errorReceived(from: sender(id), reason: Message.excerpt(reason)), &actions)
            }
        case .peerList, .linkRequest, .linkAccepted, .linkRefused, .livenessRequest, .livenessReply, .gossip, .members, .auth, .text:
            refuseLine("a seed does not take '\(Message.quote(text[...]))'", on: id, now: now, &actions)
        }
    }

    /// A registration, or its renewal. The address must be the connection's own host: nobody
    /// can list an address it does not send from (docs/PROTOCOL.md, "Registration"). A new one
    /// is listed, and answered, only once the seed's probe of that address is answered
    /// (`+Probes`); a renewal is answered at once.
    private mutating func register(_ peer: NodeAddress, on id: ConnectionID, now: Now, actions: inout [Action]) {
        let refused = Self.registrationRefused
        if let remote = remotes[id], !peer.host.isSameHost(as: remote.host) {
            refuseLine("\(refused): \(peer) is not this connection's host (\(remote.host))", on: id, now: now, &actions)
            return
        }
        if peer.host.isUnspecified || peer.port == 0 {
            refuseLine("\(refused): \(peer) is not an address others can reach", on: id, now: now, &actions)
            return
        }
        if peer.port == address.port, peer.host.isSameHost(as: address.host) {
            // Listed, it would send peers to link with a seed, and the seed would probe itself.
            refuseLine("\(refused): \(peer) is this seed's own address", on: id, now: now, &actions)
            return
        }
        if let previous = registeredOn[id], previous != peer {
            refuseLine(
                "\(refused): this connection registered \(previous) already; one peer per connection", on: id, now: now, &actions)
            return
        }
        if membership.status(of: peer) == nil, membership.recordCount >= settings.maxPeers {
            // Logged as any refused line: in full at first, then counted per host (`BadInput`).
            refuseLine(
                "\(refused): this seed is full (\(settings.maxPeers) registrations, --max-peers); retry later", on: id, now: now,
                &actions)
            return
        }
        registeredOn[id] = peer
        deadlines.forget(id)
        switch membership.register(peer, on: id, now: now.instant) {
        case .new:
            // Answered once its probe is (`joinVerified`): its list then holds every peer
            // verified before it, so peers that join together still find each other.
            joinQueue.append(peer)
            startJoinProbes(now: now, actions: &actions)
            return
        case .joining:
            return  // Its probe is under way or queued; the answer comes with its outcome.
        case .refuted:
            log(.suspectRegisteredAgain(peer), &actions)
            scheduleCheck(by: now.instant + settings.silenceLimit, now: now, actions: &actions)
        case .renewed:
            break  // Once an interval per peer: the log would be nothing else.
        }
        let list = registry.sample(limit: Limits.maxPeerListEntries, excluding: peer, using: &rng)
        actions.append(.send(id, .peerList(list)))
    }

    /// A `Dead Node:` report counts only from the reporter's own registered connection, and
    /// only makes the accused suspect: the seed checks before it drops anyone.
    private mutating func report(
        _ dead: NodeAddress, by reporter: NodeAddress, text: String, on id: ConnectionID, now: Now, actions: inout [Action]
    ) {
        log(.deadReportReceived(from: sender(id), report: text), &actions)
        deadReportsReceived += 1
        guard registeredOn[id] == reporter, membership.status(of: reporter) != nil, !membership.isJoining(reporter) else {
            let why = "report refused: \(reporter) has not registered on this connection"
            let entry: NodeEvent? = errorLogged(on: id, now: now) ? .deadReportRefused(from: sender(id), why: why) : nil
            answerError(why, log: entry, on: id, now: now, &actions)
            return
        }
        accuse(dead, by: reporter, reason: "reported by \(reporter)", now: now, actions: &actions)
    }

    mutating func accuse(_ peer: NodeAddress, by accuser: NodeAddress, reason: String, now: Now, actions: inout [Action]) {
        switch membership.accuse(peer, by: accuser, reason: reason, now: now.instant) {
        case .notListed:
            log(.deadNotListed(peer, reason: reason), &actions)
        case .nowSuspect:
            log(.suspect(peer, reason: reason), &actions)
            startProbe(peer, now: now, actions: &actions)
            scheduleCheck(by: now.instant + settings.checkInterval, now: now, actions: &actions)
        case .stillSuspect(let count):
            log(.stillSuspect(peer, accusers: count, reason: reason), &actions)
        }
    }

    /// Drops a peer the seed is sure about, and closes its registration connection so that, if
    /// it lives after all, it learns at once that it must register again.
    mutating func drop(_ peer: NodeAddress, evidence: String, now: Now, actions: inout [Action]) {
        let connection = membership.connection(of: peer)
        guard membership.remove(peer, as: .dead, now: now.instant) else { return }
        scheduleCheck(by: now.instant + settings.departureRetention, now: now, actions: &actions)
        log(.removedDead(peer, evidence: evidence, listed: registry.count), &actions)
        if let connection, registeredOn[connection] == peer {
            actions.append(.send(connection, .error("unlisted: \(evidence); register again if you are alive")))
            actions.append(.close(connection))
            forgetConnection(connection)
        }
    }

    /// A connection ended. When it was a listed peer's current registration, that is a reason
    /// to look: a killed process's connections are closed by its kernel.
    private mutating func connectionEnded(_ id: ConnectionID, why: String, now: Now, actions: inout [Action]) {
        if let probe = endProbe(id) {
            if probe.joining {
                joinFailed(probe.peer, why: "the probe's connection \(why)", now: now, actions: &actions)
            } else {
                log(.probeEnded(probe.peer, why: why), &actions)
            }
            return
        }
        guard remotes[id] != nil else { return }  // Closed by the seed already.
        log(.connectionEnded(remote: sender(id), why: why), &actions)
        if let peer = registeredOn[id], membership.connection(of: peer) == id {
            if membership.forgetJoining(peer) {
                log(.registrationWithdrawn(peer, why: why), &actions)
            } else {
                accuse(peer, by: address, reason: "its registration connection \(why)", now: now, actions: &actions)
            }
        }
        forgetConnection(id)
    }

    /// Answers input that could not be taken: logged with the sender, and an `Error:` back.
    /// `closing`: the shell closes the connection after this line anyway (an over-long line).
    private mutating func refuse(
        _ error: some Error & CustomStringConvertible, on id: ConnectionID, now: Now, closing: Bool = false,
        actions: inout [Action]
    ) {
        let entry: NodeEvent? = errorLogged(on: id, now: now) ? .badInput(from: sender(id), error: "\(error)") : nil
        answerError(error.description, log: entry, on: id, now: now, closing: closing, &actions)
    }

    /// Refuses a well-formed line the seed does not take here, saying why.
    private mutating func refuseLine(_ why: String, on id: ConnectionID, now: Now, _ actions: inout [Action]) {
        let entry: NodeEvent? = errorLogged(on: id, now: now) ? .lineRefused(from: sender(id), why: why) : nil
        answerError(why, log: entry, on: id, now: now, &actions)
    }

    /// Whether an error on `id` is to be logged in full now (and counts it for the log's rate
    /// limit): call only when about to log it, then pass the entry to `answerError`.
    mutating func errorLogged(on id: ConnectionID, now: Now) -> Bool {
        logging && badInput.logInFull(host(of: id), now: now.instant)
    }

    /// Every line the seed refuses comes here: `Error:` back, a log line unless this host's
    /// errors are over their rate (`BadInput`: then they are counted and summarised), and the
    /// connection closed once it has sent nothing but refused lines for a while.
    private mutating func answerError(
        _ reply: String, log entry: NodeEvent?, on id: ConnectionID, now: Now, closing: Bool = false,
        _ actions: inout [Action]
    ) {
        guard let why = badInput.refuse(reply, log: entry, on: id, now: now, closing: closing, &actions) else { return }
        connectionEnded(id, why: why, now: now, actions: &actions)
    }

    /// The host at the other end of a connection (0.0.0.0 when the seed does not know it).
    func host(of id: ConnectionID) -> NodeAddress.Host {
        (remotes[id] ?? probes[id]?.peer)?.host ?? .ipv4(0, 0, 0, 0)
    }

    /// Names the other end of a connection: the peer's listen address once it has registered,
    /// its connection address before that.
    func sender(_ id: ConnectionID) -> String {
        if let probe = probes[id] { return "probe of \(probe.peer)" }
        let remote = remotes[id].map(\.description) ?? "\(id)"
        if let peer = registeredOn[id] { return "peer \(peer) (\(remote))" }
        return remote
    }
}
