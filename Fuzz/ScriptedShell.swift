/// A shell for one instance, driven by a fuzzer's script instead of sockets and a clock.
///
/// It keeps the promises the real `EventLoop` keeps, so that whatever the instance does here it
/// could meet in a real run: events come only on connections that are open (a `.connected` or
/// `.connectFailed` only for a connection the instance asked to open and is still waiting for),
/// nothing more arrives on a connection after it closed or the instance closed it, lines are
/// cut by a `LineFramer` per connection, after `.lineTooLong` the connection is gone, and
/// timers fire only when armed and due, earliest first (`TimerTable`, as every shell does).
///
/// And it checks what the instance asks for, after every event:
/// - it sends only on connections that are open or opening, never after closing them;
/// - every line it sends is one well-formed line within the line limit that decodes back to
///   the message sent; it never answers an `Error:` with an `Error:`; (`strictChecks`) it
///   never sends the same gossip message twice on one connection;
/// - it opens connections under fresh outbound IDs, never to port 0 or to itself;
/// - it closes only connections that are open;
/// - it arms timers in the future only;
/// - every log line is one line, and `render(into:)` writes exactly `description`;
/// - then the instance's own invariants (`ScriptedNode.checkInvariants`).
struct ScriptedShell<Node: ScriptedNode> {
    var node: Node
    private(set) var now: Now
    private(set) var timers = TimerTable<TimerID>()
    private(set) var connections: [ConnectionID: Connection] = [:]
    private var everOpened: Set<ConnectionID> = []
    private var nextInbound = 1
    /// Addresses the instance dialled, for the scripts' address fields (first 16).
    private(set) var dialled: [NodeAddress] = []
    /// Set once `.stopping` was delivered: the shell exits after it.
    private(set) var stopped = false
    private(set) var eventCount = 0
    private var checkedGossip: Set<String> = []
    /// The hello lines a keyed node welcomed (`checkKeyProved`).
    private var welcomedHellos: Set<String> = []

    struct Connection {
        var inbound: Bool
        /// An accepted connection's remote (ephemeral) address; an outbound one's target.
        var remote: NodeAddress
        /// False while an outbound connection is opening.
        var open: Bool
        var framer = LineFramer()
        /// The first and the last line the instance sent on it (an honest answer needs the last).
        var firstSent: Message?
        var lastSent: Message?
        /// The instance sent `Auth Welcome` on it: the other end proved the cluster key.
        var welcomed = false
        var gossipSent: Set<String> = []
        /// The address last registered on it, once a seed answered the `Register` with a list.
        var registeredAs: NodeAddress?
        /// A `Register` received and not answered yet.
        var registering: NodeAddress?
    }

    /// The wall clock runs with the monotonic one, shifted by `wallSkew` (a clock jump).
    private var wallSkew: Int64 = 0
    static var startWall: Int64 { 1_795_287_680_000 }

    init(node: Node) {
        self.node = node
        now = Now(instant: Instant(nanoseconds: 1_000_000_000_000), wall: Timestamp(milliseconds: Self.startWall))
    }

    mutating func start() {
        var actions: [Action] = []
        node.start(now: now, actions: &actions)
        trace("\(now.instant.nanoseconds / 1_000_000) ms: start")
        apply(actions, answering: nil)
        Node.checkInvariants(self)
    }

    // MARK: Events

    mutating func deliver(_ event: Event) {
        precondition(!stopped)
        eventCount += 1
        trace("\(now.instant.nanoseconds / 1_000_000) ms: \(event)")
        var goneAfter: ConnectionID?
        switch event {
        case .closed(let id, _), .connectFailed(let id, _): connections[id] = nil
        case .lineTooLong(let id): goneAfter = id  // The shell closes it once the instance has answered.
        case .connected(let id): connections[id]?.open = true
        case .stopping: stopped = true
        case .line(let id, let text) where text.hasPrefix("Register:"):
            connections[id]?.registering = try? NodeAddress(parsing: text.dropFirst("Register:".count))
        case .message(let id, .register(let address)): connections[id]?.registering = address
        default: break
        }
        var actions: [Action] = []
        node.handle(event, now: now, actions: &actions)
        apply(actions, answering: event)
        if let id = goneAfter { connections[id] = nil }
        if case .line(let id, _) = event { connections[id]?.registering = nil }
        if case .message(let id, _) = event { connections[id]?.registering = nil }
        Node.checkInvariants(self)
    }

    /// A new inbound connection from `remote`; returns its ID.
    @discardableResult
    mutating func accept(from remote: NodeAddress) -> ConnectionID {
        let id = ConnectionID(.inbound, nextInbound)
        nextInbound += 1
        connections[id] = Connection(inbound: true, remote: remote, open: true)
        deliver(.accepted(id, remote: remote))
        return id
    }

    /// Bytes arriving on an open connection, framed as the shell frames them.
    mutating func receive(_ bytes: [UInt8], on id: ConnectionID) {
        guard var connection = connections[id], connection.open else { return }
        var items: [LineFramer.Item] = []
        bytes.withUnsafeBytes { connection.framer.feed($0) { items.append($0) } }
        connections[id] = connection
        for item in items {
            guard connections[id] != nil, !stopped else { return }  // Closed by the instance meanwhile.
            switch item {
            case .line(let text): deliver(.line(id, text))
            case .notUTF8(let count): deliver(.lineNotUTF8(id, byteCount: count))
            case .tooLong: deliver(.lineTooLong(id))
            }
        }
    }

    /// The other end closed (or the socket failed): the reason as the shell would see it.
    mutating func remoteClosed(_ id: ConnectionID, how: UInt8) {
        guard let connection = connections[id] else { return }
        let pending = connection.framer.pendingByteCount
        let reason: CloseReason
        // An opening connection can only fail to open (`.connectFailed`), or overflow with
        // lines queued while it opens.
        guard connection.open else {
            deliver(.closed(id, .writeQueueFull))
            return
        }
        switch how % 3 {
        case 0: reason = pending > 0 ? .endOfStreamMidLine(pending) : .endOfStream
        case 1: reason = .failed("Connection reset by peer")
        default: reason = .writeQueueFull
        }
        deliver(.closed(id, reason))
    }

    // MARK: Time

    /// Moves both clocks on, then fires every timer due, earliest first.
    mutating func advance(by duration: Duration) {
        now.instant = now.instant + duration
        now.wall = Timestamp(milliseconds: Self.startWall + (now.instant.nanoseconds - 1_000_000_000_000) / 1_000_000 + wallSkew)
        fireDueTimers()
    }

    /// Moves on to the earliest armed deadline (if any) and fires what is due.
    mutating func advanceToNextTimer() {
        guard let next = timers.nextDeadline else { return }
        advance(by: next - now.instant)
    }

    /// The wall clock jumps (NTP, an operator): deadlines must not care.
    mutating func jumpWallClock(by milliseconds: Int64) {
        wallSkew += milliseconds
        now.wall = Timestamp(milliseconds: now.wall.milliseconds + milliseconds)
    }

    private mutating func fireDueTimers() {
        var fired = 0
        while !stopped, let id = timers.popDue(now: now.instant) {
            fired += 1
            // Every timer is re-armed in the future (checked in `apply`), so a handful is all
            // that can be due at once; more means an instance re-arming without end.
            require(fired <= 64, "more than 64 timers due at one instant: an instance re-arms without end")
            deliver(.timer(id))
        }
    }

    // MARK: Checking actions

    private mutating func apply(_ actions: [Action], answering event: Event?) {
        var errorCameOn: ConnectionID?
        switch event {
        case .line(let id, let text) where text.hasPrefix("Error:"): errorCameOn = id
        case .message(let id, .error): errorCameOn = id
        default: break
        }
        for action in actions {
            trace("    -> \(action)")
            switch action {
            case .connect(let id, let target):
                require(id.direction == .outbound, "asked to open \(id), an inbound ID")
                require(!everOpened.contains(id), "asked to open \(id) again: connection IDs must be fresh")
                require(target.port != 0, "asked to connect to port 0")
                require(target != node.address, "asked to connect to itself (\(target))")
                everOpened.insert(id)
                connections[id] = Connection(inbound: false, remote: target, open: false)
                if dialled.count < 16, !dialled.contains(target) { dialled.append(target) }
            case .send(let id, let message):
                require(connections[id] != nil, "sent '\(message.encoded)' on \(id), which is not open")
                if case .gossip(let gossip) = message {
                    // Relayed gossip is most of what is sent: check each text's wire form once.
                    if checkedGossip.insert(gossip.text).inserted { Self.checkWellFormed(message) }
                } else {
                    Self.checkWellFormed(message)
                }
                if case .error = message {
                    require(errorCameOn != id, "answered an Error: with an Error: on \(id)")
                }
                if Node.provesKey { checkKeyProved(message, on: id, answering: event) }
                if connections[id]?.firstSent == nil { connections[id]?.firstSent = message }
                connections[id]?.lastSent = message
                if case .peerList = message, let registering = connections[id]?.registering {
                    connections[id]?.registeredAs = registering
                }
                if strictChecks, case .gossip(let gossip) = message {
                    // Issue 11: a message whose timestamp is far ahead is never stale, so once
                    // evicted it is taken again (branch peer-links-dedup: exact deduplication).
                    let inserted = connections[id]?.gossipSent.insert(gossip.text).inserted ?? true
                    require(inserted, "sent gossip \(gossip.text) twice on \(id)")
                }
            case .close(let id):
                require(connections[id] != nil, "closed \(id), which is not open")
                connections[id] = nil
            case .log(let entry):
                var rendered: [UInt8] = []
                entry.render(into: &rendered)
                require(rendered == Array(entry.description.utf8), "a log entry renders differently from its description")
                require(!rendered.contains(10), "a log entry holds a newline: \(entry.description)")
            case .schedule(let id, let deadline):
                require(deadline > now.instant, "armed \(id) for \(deadline), not after now (\(now.instant))")
                timers.schedule(id, at: deadline)
            case .cancel(let id):
                timers.cancel(id)
            }
        }
    }

    /// The cluster key's rules for what a keyed node sends (`AuthTarget`): nothing but
    /// `Error:` and the welcome to an acceptor's other end until it proved the key; a hello
    /// first on a dial; no hello welcomed twice.
    private mutating func checkKeyProved(_ message: Message, on id: ConnectionID, answering event: Event?) {
        guard let connection = connections[id] else { return }
        if connection.inbound, !connection.welcomed {
            switch message {
            case .error: break
            case .auth(.welcome):
                connections[id]?.welcomed = true
                guard case .line(_, let text) = event, text.hasPrefix("Auth Hello:") else {
                    fuzzFailure("welcomed \(id) but not in answer to a hello")
                }
                require(welcomedHellos.insert(text).inserted, "welcomed a replayed hello: \(text)")
            default: fuzzFailure("sent '\(message.encoded)' on \(id) before its other end proved the key")
            }
        }
        if !connection.inbound, connection.firstSent == nil {
            guard case .auth(.hello) = message else {
                fuzzFailure("the first line on dial \(id) is '\(message.encoded)', not the hello")
            }
        }
    }

    /// A line an instance sends: one line within the limit, which decodes back to the message.
    static func checkWellFormed(_ message: Message) {
        let line = message.encoded
        require(line.utf8.count <= Limits.maxLineBytes, "sent a line of \(line.utf8.count) bytes, over the limit")
        require(!line.utf8.contains(10) && !line.utf8.contains(13), "sent more than one line: \(line)")
        let decoded: Message
        do { decoded = try Message(decoding: line) } catch { fuzzFailure("sent '\(line)', which does not decode: \(error)") }
        switch message {
        case .error, .linkRefused: require(decoded.encoded == line, "free text changes on the wire: \(line)")
        default: require(decoded == message, "sent \(message), which decodes as \(decoded)")
        }
    }

    // MARK: Views for scripts

    /// Open or opening connections, in a fixed order.
    var connectionIDs: [ConnectionID] {
        connections.keys.sorted { ($0.direction == .inbound ? 0 : 1, $0.number) < ($1.direction == .inbound ? 0 : 1, $1.number) }
    }

    /// A connection named by a script byte: `0x01` is in#1, `0x81` out#1; a byte that names no
    /// open connection picks one of them by position (so every byte picks something).
    func connection(named byte: UInt8, where include: (Connection) -> Bool = { _ in true }) -> ConnectionID? {
        let named = ConnectionID(byte & 0x80 == 0 ? .inbound : .outbound, Int(byte & 0x7F))
        if let connection = connections[named], include(connection) { return named }
        let candidates = connectionIDs.filter { include(connections[$0]!) }
        return candidates.isEmpty ? nil : candidates[Int(byte) % candidates.count]
    }
}

/// An instance the fuzzer can drive: its own invariants, and what its script ops mean.
protocol ScriptedNode: NodeInstance {
    /// Checked after every event.
    static func checkInvariants(_ shell: ScriptedShell<Self>)
    /// Addresses the instance knows (its listed peers, its neighbours), for address fields.
    var knownAddresses: [NodeAddress] { get }
    /// Seeds the instance was given (none for a seed).
    var seedAddresses: [NodeAddress] { get }
    /// The ops particular to this kind of node (`ScriptOp.special1`, `.special2`).
    static func special(_ which: Int, _ shell: inout ScriptedShell<Self>, _ input: inout FuzzInput)
    /// Whether the node requires the cluster key (`Authenticated`): the shell checks its rules.
    static var provesKey: Bool { get }
}

extension ScriptedNode {
    static var provesKey: Bool { false }
}
