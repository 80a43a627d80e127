/// One thing a node reports, as a value: what the protocol instances and the shell log, and
/// what every reader of a log (the bench, `cluster`'s report, the lab, the tests) gets back.
///
/// Each case is one kind of event with its typed values; `EventKind` gives its name (the JSON
/// `event` key), its level and its human sentence. `EventRenderer` is the only writer of log
/// lines and `EventParser` the only reader: nothing else spells or matches a sentence, so a
/// sentence can be reworded without losing a figure (docs/LOGS.md lists every event).
///
/// Free text (reasons, excerpts of what a sender wrote) is carried as it is and escaped when
/// rendered; the values a node parsed itself (addresses, messages, counts) are typed.
public enum NodeEvent: Hashable, Sendable {
    // Both kinds of node
    case clusterKeySet
    case errorReceived(from: String, reason: String)
    case badInput(from: String, error: String)
    case unexpectedMessage(from: String, error: String)
    case errorsSuppressed(count: Int, source: String, burst: Int, interval: Duration)
    case connectionEnded(remote: String, why: String)

    // Seed
    case seedListening(NodeAddress)
    case seedLimits(connections: Int, descriptors: Int, perHost: Int, identifyTimeout: Duration)
    case connectionOpened(remote: NodeAddress)
    case connectionRefused(remote: NodeAddress, reason: String, quietFor: Duration)
    case registrationProbeFailed(peer: NodeAddress, why: String, quietFor: Duration)
    case refusalsCounted(interval: Duration, count: Int, what: String)
    case unregisteredClosed(remote: NodeAddress, timeout: Duration)
    case unregisteredClosedMore(count: Int, timeout: Duration)
    case listQuery(from: String, sent: Int, listed: Int)
    case probing(NodeAddress)
    case probeEnded(NodeAddress, why: String)
    case probeConnectFailed(NodeAddress, reason: String)
    case probeWrongAnswer(NodeAddress, answer: String)
    case probeAnswered(NodeAddress)
    case peerRegistered(NodeAddress, connection: NodeAddress?, listed: Int)
    case suspectRegisteredAgain(NodeAddress)
    case registrationWithdrawn(NodeAddress, why: String)
    case deadReportReceived(from: String, report: String)
    case deadReportRefused(from: String, why: String)
    case deadNotListed(NodeAddress, reason: String)
    case suspect(NodeAddress, reason: String)
    case stillSuspect(NodeAddress, accusers: Int, reason: String)
    case removedLeft(NodeAddress, listed: Int)
    case removedDead(NodeAddress, evidence: String, listed: Int)
    case removedExpired(NodeAddress, silence: Duration, listed: Int)
    case lineRefused(from: String, why: String)

    // Peer: registration
    case peerListening(NodeAddress, seeds: [NodeAddress])
    case registering(quorum: Int, of: Int, seeds: [NodeAddress])
    case peerList(seed: NodeAddress, peers: [NodeAddress])
    case registered(seeds: Int, known: Int, peers: [NodeAddress])
    case registeredUnderQuorum(registered: Int, wanted: Int)
    case registeredAgain(seed: NodeAddress)
    case registeringAgain(seed: NodeAddress)
    case seedConnectionEnded(seed: NodeAddress, why: String)
    case registrationFailedSwitching(seed: NodeAddress)
    case registrationFailedRetrying(seed: NodeAddress, after: Duration)
    case registrationRefused(seed: NodeAddress, reason: String)
    case seedRenewalUnanswered(seed: NodeAddress)
    case seedAway(seed: NodeAddress, grace: Duration)
    case seedRegistrationTimedOut(seed: NodeAddress)
    case leaving(seeds: Int, neighbours: Int)

    // Peer: links
    case noPeersYet
    case linking(NodeAddress)
    case linked(NodeAddress, origin: LinkOrigin, neighbours: Int)
    case linkUpAgain(NodeAddress)
    case linkFailed(NodeAddress, why: String)
    case linkRefusedByPeer(NodeAddress, reason: String)
    case linkRefused(NodeAddress, remote: NodeAddress, refusal: String)
    case linkLost(NodeAddress, why: String)
    case linkLostUnverified(NodeAddress, why: String)
    case linkVerified(NodeAddress)
    case linkUnverified(NodeAddress, why: String)
    case peerMisnamed(NodeAddress, calls: NodeAddress)
    case neighbourLeft(NodeAddress, neighbours: Int)
    case unidentifiedClosed(remote: NodeAddress, timeout: Duration)

    // Peer: liveness
    case livenessAnswered(NodeAddress)
    case livenessProbeAnswered(NodeAddress, remote: NodeAddress)
    case badLivenessReply(from: NodeAddress, error: String)
    case roundUnanswered
    case wokeLate(Duration)
    case reportingDead(NodeAddress, misses: Int, report: String)
    case reportResent(seed: NodeAddress, report: String)
    case reportDropped(seed: NodeAddress, report: String)

    // Peer: gossip
    case created(GossipMessage, sentTo: Int)
    case received(GossipMessage, from: NodeAddress, forwardedTo: Int)
    case staleDropped(GossipMessage, from: NodeAddress, retention: Duration)
    case messageRefused(from: NodeAddress, error: String)
    case ownMessageReturned(GossipMessage, from: NodeAddress)

    // Peer: text messages (`id`: `<timestamp>:<IP>:<port>:<seq>`; `text` as typed, escaped
    // when rendered)
    case textSent(id: String, neighbours: Int, text: String)
    case textNotSent(error: String)
    case textReceived(id: String, from: NodeAddress, forwardedTo: Int, text: String)
    case textStaleDropped(id: String, from: NodeAddress, retention: Duration)
    case textRefused(from: NodeAddress, error: String)
    case ownTextReturned(id: String, from: NodeAddress)

    // Shell
    case pollFailed(String)
    case turnedAway(remote: NodeAddress, open: Int)
    case turnedAwayNoDescriptors(remote: NodeAddress, open: Int)
    case turnedAwaySuppressed(count: Int, source: String, burst: Int, interval: Duration)
    case cutOff(remote: NodeAddress?, reason: String)
    case commandsOff(String)
    case command(String)
    case unknownCommand(String)
    case unreadableCommand
    case signal(String, connections: Int)
    case stopped
    case consoleDropped(bytes: Int, total: Int, why: String)
    // The control socket
    case controlSocket(path: String)
    case controlCommand(String)
    case controlNote(String)
    case leaveRequested(connections: Int)
}

/// Why a link is up: this peer dialled it, or the other peer did (verified or not yet).
public enum LinkOrigin: String, Hashable, Sendable, CaseIterable {
    case outbound
    case inbound
    case inboundUnverified = "inbound, not verified yet"
}

extension NodeEvent {
    /// The event's level (its kind's).
    @inline(__always)
    public var level: EventLevel { kind.level }
}
