/// The seed, as a state machine: keeps the list of registered peers, hands it to peers that
/// register, answers list queries, and drops a peer on a `Dead Node` report about it.
public struct SeedProtocol: NodeInstance, Sendable {
    public let address: NodeAddress
    public var logging = true
    public private(set) var registry = PeerRegistry()
    private var rng: SeededRandom
    /// The other end of each open connection, for naming the sender in the log.
    private var remotes: [ConnectionID: NodeAddress] = [:]
    /// The peer that registered on each connection, once it has.
    private var registeredOn: [ConnectionID: NodeAddress] = [:]

    public init(address: NodeAddress, rng: SeededRandom) {
        self.address = address
        self.rng = rng
    }

    public mutating func start(now: Now, actions: inout [Action]) {
        log("Seed listening on \(address)", &actions)
    }

    public mutating func handle(_ event: Event, now: Now, actions: inout [Action]) {
        switch event {
        case .accepted(let id, let remote):
            remotes[id] = remote
            log("Connection from \(remote)", &actions)
        case .line(let id, let text):
            handleLine(text, on: id, actions: &actions)
        case .message(let id, let message):
            handleMessage(message, text: message.encoded, on: id, actions: &actions)
        case .lineNotUTF8(let id, let count):
            refuse(FramingError.notUTF8(byteCount: count), on: id, actions: &actions)
        case .lineTooLong(let id):
            refuse(FramingError.tooLong, on: id, actions: &actions)
            forget(id)
        case .closed(let id, let reason):
            log("Connection from \(sender(id)) \(reason)", &actions)
            forget(id)
        case .connected, .connectFailed, .timer, .command:
            break  // A seed opens no connections, arms no timers and takes no commands.
        }
    }

    private mutating func handleLine(_ text: String, on id: ConnectionID, actions: inout [Action]) {
        let message: Message
        do { message = try Message(decoding: text) } catch {
            refuse(error, on: id, actions: &actions)
            return
        }
        handleMessage(message, text: text, on: id, actions: &actions)
    }

    /// `text` is the line as received, for the log.
    private mutating func handleMessage(_ message: Message, text: String, on id: ConnectionID, actions: inout [Action]) {
        switch message {
        case .register(let peer):
            if registry.insert(peer) {
                log("Registered peer \(peer) (connection from \(remotes[id].map(\.description) ?? "?"))", &actions)
            } else {
                log("Peer \(peer) registered again; it stays listed once", &actions)
            }
            registeredOn[id] = peer
            let list = registry.sample(limit: Limits.maxPeerListEntries, excluding: peer, using: &rng)
            actions.append(.send(id, .peerList(list)))
            log(.list("Sent peer list to \(peer): ", list), &actions)
        case .listPeers:
            let list = registry.sample(limit: Limits.maxPeerListEntries, excluding: nil, using: &rng)
            actions.append(.send(id, .peerList(list)))
            log("List query from \(sender(id)): sent \(list.count) of \(registry.count) peers", &actions)
        case .deadNode(let dead, _, let reporter):
            log("Received \(text) from \(sender(id))", &actions)
            if registry.remove(dead) {
                log("Removed dead peer \(dead) (reported by \(reporter)); \(registry.count) peers listed", &actions)
            } else {
                log("Dead peer \(dead) (reported by \(reporter)) is not listed here; nothing to remove", &actions)
            }
        case .error(let reason):
            // Never answer an error with an error: two confused nodes would ping-pong forever.
            log("Error from \(sender(id)): \(reason)", &actions)
        case .peerList, .linkRequest, .linkAccepted, .linkRefused, .livenessRequest, .livenessReply, .gossip:
            let error = "a seed does not take '\(Message.quote(text[...]))'"
            log("Unexpected message from \(sender(id)): \(error)", &actions)
            actions.append(.send(id, .error(error)))
        }
    }

    /// Answers input that could not be taken: logged with the sender, and an `Error:` back.
    private func refuse(_ error: some Error & CustomStringConvertible, on id: ConnectionID, actions: inout [Action]) {
        log("Bad input from \(sender(id)): \(error)", &actions)
        actions.append(.send(id, .error(error.description)))
    }

    private mutating func forget(_ id: ConnectionID) {
        remotes[id] = nil
        registeredOn[id] = nil
    }

    /// Names the other end of a connection: the peer's listen address once it has registered,
    /// its connection address before that.
    private func sender(_ id: ConnectionID) -> String {
        let remote = remotes[id].map(\.description) ?? "\(id)"
        if let peer = registeredOn[id] { return "peer \(peer) (\(remote))" }
        return remote
    }
}
