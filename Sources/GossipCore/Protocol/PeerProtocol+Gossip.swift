/// Gossip: create own messages on a timer, flood each new message once to every neighbour but
/// the one it came from, drop what was seen before.
extension PeerProtocol {
    mutating func gossipTimerFired(now: Now, actions: inout [Action]) {
        guard timedMessages < settings.messageCount else { return }
        timedMessages += 1
        createMessage(now: now, actions: &actions)
        if timedMessages < settings.messageCount {
            actions.append(.schedule(.gossip, at: now.instant + settings.gossipInterval))
        }
    }

    /// The operator's `broadcast`: one more message now, outside the timed schedule.
    mutating func broadcast(now: Now, actions: inout [Action]) {
        createMessage(now: now, actions: &actions)
    }

    private mutating func createMessage(now: Now, actions: inout [Action]) {
        messagesCreated += 1
        let message = GossipMessage(timestamp: now.wall, origin: address, sequence: messagesCreated)
        _ = messageLog.insert(message, now: now)
        for link in links { actions.append(.send(link.connection, .gossip(message))) }
        log(.created(message, sentTo: links.count), &actions)
    }

    mutating func received(
        _ message: GossipMessage, from peer: NodeAddress, on id: ConnectionID, now: Now, actions: inout [Action]
    ) {
        switch messageLog.insert(message, now: now) {
        case .duplicate:
            return  // Seen before: dropped silently, as the specification says.
        case .stale:
            log(.staleDropped(message, from: peer, retention: settings.logRetention), &actions)
        case .future:
            let ahead = Duration.milliseconds(message.timestamp.milliseconds - now.wall.milliseconds)
            let error =
                "message \(message) is timestamped \(ahead.secondsText) ahead of my clock (at most \(settings.maxClockSkew.secondsText) taken)"
            log(.messageRefused(from: peer, error: error), &actions)
            actions.append(.send(id, .error(error)))
        case .new where message.origin == address:
            // Ours, but not made by this run: a message of an earlier incarnation at this address,
            // still travelling. Remembered (so it is not taken again), not delivered as news.
            log(.ownMessageReturned(message, from: peer), &actions)
        case .new:
            var forwarded = 0
            for link in links where link.peer != peer {
                actions.append(.send(link.connection, .gossip(message)))
                forwarded += 1
            }
            log(.received(message, from: peer, forwardedTo: forwarded), &actions)
        }
    }
}
