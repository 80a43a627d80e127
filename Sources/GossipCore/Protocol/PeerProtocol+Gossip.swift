/// Gossip: create own messages on a timer, flood each new message once to every neighbour but
/// the one it came from, drop what was seen before.
extension PeerProtocol {
    mutating func gossipTimerFired(now: Now, actions: inout [Action]) {
        guard messagesCreated < settings.messageCount else { return }
        messagesCreated += 1
        let message = GossipMessage(timestamp: now.wall, origin: address, sequence: messagesCreated)
        _ = messageLog.insert(message, now: now)
        let targets = linkedNeighbours
        for peer in targets { actions.append(.send(neighbours[peer]!.connection!, .gossip(message))) }
        actions.append(.log("Created message \(message) (\(messagesCreated) of \(settings.messageCount)); sent to \(targets.count) neighbours"))
        if messagesCreated < settings.messageCount {
            actions.append(.schedule(.gossip, at: now.instant + settings.gossipInterval))
        }
    }

    mutating func received(_ message: GossipMessage, from peer: NodeAddress, now: Now, actions: inout [Action]) {
        switch messageLog.insert(message, now: now) {
        case .duplicate:
            return  // Seen before: dropped silently, as the specification says.
        case .stale:
            actions.append(.log("Dropped stale message \(message) from \(peer): older than the \(settings.logRetention) retention"))
        case .new:
            actions.append(.log(LogText.received(message, from: peer)))
            for other in neighbourOrder where other != peer {
                if let id = neighbours[other]?.connection { actions.append(.send(id, .gossip(message))) }
            }
        }
    }
}

/// Log lines that programs and tests read back (the cluster's delivery report, the
/// integration tests), written and parsed in one place.
public enum LogText {
    static let receivedPrefix = "Received "
    static let receivedInfix = " from "

    public static func received(_ message: GossipMessage, from peer: NodeAddress) -> String {
        receivedPrefix + message.text + receivedInfix + peer.description
    }

    /// The message in a log line written by `received(_:from:)`, without the line's time prefix.
    public static func receivedMessage(inEvent text: Substring) -> GossipMessage? {
        guard text.hasPrefix(receivedPrefix) else { return nil }
        let rest = text.dropFirst(receivedPrefix.count)
        guard let infix = rest.firstRange(of: receivedInfix) else { return nil }
        return try? Message.decodeGossip(rest[..<infix.lowerBound])
    }
}
