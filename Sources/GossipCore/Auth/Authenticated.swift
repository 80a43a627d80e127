/// A seed or a peer that only talks to nodes holding the cluster key (`--cluster-key-file`).
///
/// It wraps the instance and sits between it and the shell: on every connection the dialling
/// side's first line is `Auth Hello` and the accepting side answers `Auth Welcome` (`AuthLine`),
/// each proving the key with an HMAC. Until the other end has proved it, no line of the
/// connection reaches the wrapped instance: anything else gets `Error:` and the connection is
/// closed. So seeds and peers need no change, and every connection is covered alike: a peer
/// registering or reporting to a seed, a peer linking to a peer, a seed probing a peer.
///
/// Rules (docs/PROTOCOL.md, "Cluster key"):
/// - The acceptor takes a hello only if it names this node's address, its timestamp is within
///   `maxClockSkew` of this node's wall clock, its code matches the key, and its nonce was not
///   taken before (`NonceCache`): a hello recorded on the wire cannot be played again.
/// - The dialler takes the connection's lines only after a welcome whose code matches the key
///   and its own hello's fresh nonce: a node without the key cannot pose as a seed or a peer
///   to it either. `Error:` lines are passed on before that (they are only logged), so that an
///   acceptor's refusal reaches the log.
/// - The instance sees `.accepted` and `.connected` at once, so its own deadlines for a silent
///   connection also close one that never proves the key.
///
/// The cost falls per connection, never per line: after the handshake a line costs one
/// `isEmpty` test, and each batch of actions one walk looking for connects and closes.
public struct Authenticated<Base: NodeInstance>: NodeInstance {
    public private(set) var base: Base
    let key: ClusterKey
    /// Where nonces come from. The launcher seeds it from the system's generator, never from
    /// `--rng-seed`: a node restarted with the same seed must not send the same nonces again.
    var rng: SeededRandom
    /// How far a hello's timestamp may be from this node's wall clock.
    public let maxClockSkew: Duration
    var seenNonces: NonceCache
    /// The latest wall-clock time seen, never moving back. Hellos older than it by more than
    /// the skew are refused, and nonces are forgotten by it: with the wall clock set back, a
    /// hello whose nonce was forgotten would otherwise be fresh again (found by the fuzzer).
    var latestWall = Timestamp(milliseconds: Int64.min / 2)

    /// The connections whose other end has not proved the key yet, and what is awaited.
    var handshakes: [ConnectionID: AuthHandshake] = [:]

    /// Hellos taken within one clock-skew window, at most (a seed whose 10,000 peers all
    /// connect within a minute stays well under it).
    public static var defaultNonceCapacity: Int { 65_536 }

    public init(
        _ base: Base, key: ClusterKey, rng: SeededRandom, maxClockSkew: Duration = .seconds(30),
        nonceCapacity: Int = defaultNonceCapacity
    ) {
        self.base = base
        self.key = key
        self.rng = rng
        self.maxClockSkew = maxClockSkew
        self.seenNonces = NonceCache(capacity: nonceCapacity)
    }

    public var address: NodeAddress { base.address }
    public var kind: NodeKind { base.kind }
    public mutating func answer(_ query: OperatorQuery, now: Now) -> [String] { base.answer(query, now: now) }

    public var logging: Bool {
        get { base.logging }
        set { base.logging = newValue }
    }

    public mutating func start(now: Now, actions: inout [Action]) {
        let start = actions.count
        base.start(now: now, actions: &actions)
        log(.clusterKeySet, &actions)
        afterBase(from: start, actions: &actions)
    }

    public mutating func handle(_ event: Event, now: Now, actions: inout [Action]) {
        if !handshakes.isEmpty {
            switch event {
            case .line(let id, let text):
                if let handshake = handshakes[id] {
                    let message: Message
                    do { message = try Message(decoding: text) } catch {
                        return refuse(id, "\(error); \(handshake.expected)", reply: true, now: now, actions: &actions)
                    }
                    return handshakeLine(message, on: id, handshake, now: now, actions: &actions)
                }
            case .message(let id, let message):
                if let handshake = handshakes[id] {
                    return handshakeLine(message, on: id, handshake, now: now, actions: &actions)
                }
            case .lineNotUTF8(let id, let count):
                if let handshake = handshakes[id] {
                    return refuse(
                        id, "line of \(count) bytes is not valid UTF-8; \(handshake.expected)", reply: true,
                        now: now, actions: &actions)
                }
            case .connected(let id):
                if case .connecting(let destination)? = handshakes[id] {
                    let hello = AuthLine.Hello(
                        key: key, destination: destination, timestamp: now.wall, nonce: Nonce(using: &rng))
                    handshakes[id] = .awaitingWelcome(hello)
                    actions.append(.send(id, .auth(.hello(hello))))
                }
            case .lineTooLong(let id), .closed(let id, _), .connectFailed(let id, _):
                // The instance hears of it as usual; there is nothing left to prove.
                handshakes[id] = nil
            case .accepted, .timer, .command, .stopping:
                break
            }
        }
        if case .accepted(let id, let remote) = event { handshakes[id] = .awaitingHello(remote: remote) }
        let start = actions.count
        base.handle(event, now: now, actions: &actions)
        afterBase(from: start, actions: &actions)
    }

    /// A line on a connection whose other end has not proved the key.
    private mutating func handshakeLine(
        _ message: Message, on id: ConnectionID, _ handshake: AuthHandshake, now: Now, actions: inout [Action]
    ) {
        switch (handshake, message) {
        case (.awaitingHello, .auth(.hello(let hello))):
            if let why = check(hello, now: now) { return refuse(id, why, reply: true, now: now, actions: &actions) }
            handshakes[id] = nil
            actions.append(.send(id, .auth(.welcome(code: hello.welcomeCode(key)))))
        case (.awaitingWelcome(let hello), .auth(.welcome(let code))):
            guard HMACSHA256.equal(code, hello.welcomeCode(key)) else {
                return refuse(
                    id, "the welcome's code does not match this node's cluster key", reply: true, now: now, actions: &actions)
            }
            handshakes[id] = nil
        case (.awaitingWelcome, .error):
            // The acceptor's refusal (a wrong key, a node without one): the instance logs it,
            // and the close that follows ends the connection for it as usual.
            let start = actions.count
            base.handle(.message(id, message), now: now, actions: &actions)
            afterBase(from: start, actions: &actions)
        case (.awaitingHello, .error(let text)):
            // Never answer an error with an error; there is nothing to take from this one.
            refuse(
                id, "sent 'Error:\(Message.quote(text[...]))' before proving the cluster key", reply: false, now: now,
                actions: &actions)
        case (.connecting, _):
            // Nothing arrives on a connection that is not open; a shell that says otherwise
            // gets the same answer as a line before the hello.
            refuse(id, "a line before the connection opened", reply: true, now: now, actions: &actions)
        case (.awaitingHello, _), (.awaitingWelcome, _):
            refuse(
                id,
                "'\(Message.quote(message.encoded[...]))' before the cluster key was proved: \(handshake.expected)",
                reply: true, now: now, actions: &actions)
        }
    }

    /// Why a hello is not taken, or nil when it is (its nonce is then remembered).
    private mutating func check(_ hello: AuthLine.Hello, now: Now) -> String? {
        let own = base.address
        guard hello.destination.port == own.port,
            own.host.isUnspecified || hello.destination.host.isSameHost(as: own.host)
        else { return "the hello is for \(hello.destination), not for this node (\(own))" }
        if now.wall > latestWall { latestWall = now.wall }
        let skew = max(hello.timestamp.milliseconds - now.wall.milliseconds, latestWall.milliseconds - hello.timestamp.milliseconds)
        guard skew <= maxClockSkew.wholeMilliseconds else {
            return "the hello's timestamp \(hello.timestamp) is \(skew / 1000) s from this node's clock (\(now.wall)); "
                + "at most \(maxClockSkew.wholeMilliseconds / 1000) s is taken"
        }
        guard hello.isSigned(by: key) else { return "the hello's code does not match this node's cluster key" }
        // Past `timestamp + skew` the timestamp check refuses the hello: its nonce can go then.
        switch seenNonces.insert(hello.nonce, forgetAfter: hello.timestamp + maxClockSkew, now: latestWall) {
        case .fresh: return nil
        case .replay: return "a hello with this nonce was taken before (a replay)"
        case .full:
            return "\(seenNonces.capacity) handshakes within \(maxClockSkew.wholeMilliseconds / 1000) s already; try later"
        }
    }

    /// Ends a connection whose other end did not prove the key: `Error:` back (unless it sent
    /// one itself), close, and the instance hears that the connection failed, naming why.
    private mutating func refuse(_ id: ConnectionID, _ why: String, reply: Bool, now: Now, actions: inout [Action]) {
        handshakes[id] = nil
        if reply { actions.append(.send(id, .error("cluster key: \(why)"))) }
        actions.append(.close(id))
        let start = actions.count
        base.handle(.closed(id, .failed("cluster key: \(why)")), now: now, actions: &actions)
        afterBase(from: start, actions: &actions)
    }

    /// Looks at what the instance asked for: a connection it dials must open with a hello,
    /// and one it closes is no longer waiting for anything.
    private mutating func afterBase(from start: Int, actions: inout [Action]) {
        for index in start..<actions.count {
            switch actions[index] {
            case .connect(let id, let destination):
                handshakes[id] = .connecting(to: destination)
            case .close(let id):
                if !handshakes.isEmpty { handshakes[id] = nil }
            case .send, .log, .schedule, .cancel:
                break
            }
        }
    }
}

/// Where a connection's handshake stands (`Authenticated.handshakes`). Declared outside the
/// generic wrapper: nested in it, it would be a generic type too, and looking up its metadata
/// on every event was two thirds of the wrapper's cost per gossip line (callgrind).
enum AuthHandshake: Sendable {
    /// Accepted; the first line must be a valid `Auth Hello`.
    case awaitingHello(remote: NodeAddress)
    /// Dialled by the instance, not open yet: the hello is made when it opens (so that
    /// its timestamp is fresh however long the connect took).
    case connecting(to: NodeAddress)
    /// Our hello is sent; the answer must be an `Auth Welcome` for it.
    case awaitingWelcome(AuthLine.Hello)

    /// What the other end must send next, for error lines.
    var expected: String {
        switch self {
        case .awaitingHello:
            return
                "'Auth Hello:<IP>:<port>:<timestamp>:<nonce>:<code>' must come first (is the other end started without --cluster-key-file?)"
        case .connecting, .awaitingWelcome:
            return "'Auth Welcome:<code>' must come first (is the other end started without --cluster-key-file?)"
        }
    }
}

extension Authenticated: Sendable where Base: Sendable {}
