/// Text messages: an operator's `send <text>` floods a `Text:` line to every neighbour; each
/// peer takes it once (`TextLog`), logs it with the text escaped, and passes it on to every
/// neighbour but the one it came from, exactly as a gossip message (docs/PROTOCOL.md, "Text
/// messages"). The specification's gossip messages are untouched.
extension PeerProtocol {
    /// The operator's `send`: a new text, numbered in its own sequence, flooded now.
    mutating func sendText(_ text: String, now: Now, actions: inout [Action]) {
        let message: TextMessage
        do { message = try TextMessage(timestamp: now.wall, origin: address, sequence: textsSent + 1, text: text) } catch {
            // `OperatorCommand` checks the text before it gets here; a simulator's script may not.
            log(.textNotSent(error: "\(error)"), &actions)
            return
        }
        textsSent += 1
        _ = textLog.insert(message, now: now)
        for link in links { actions.append(.send(link.connection, .text(message))) }
        log(.textSent(id: message.identity, neighbours: links.count, text: message.text), &actions)
    }

    mutating func receivedText(
        _ message: TextMessage, from peer: NodeAddress, on id: ConnectionID, now: Now, actions: inout [Action]
    ) {
        switch textLog.insert(message, now: now) {
        case .duplicate:
            return  // Seen before: dropped silently, like a gossip message.
        case .stale:
            log(.textStaleDropped(id: message.identity, from: peer, retention: settings.logRetention), &actions)
        case .future:
            let ahead = Duration.milliseconds(message.timestamp.milliseconds - now.wall.milliseconds)
            let error =
                "text \(message.identity) is timestamped \(ahead.secondsText) ahead of my clock (at most \(settings.maxClockSkew.secondsText) taken)"
            log(.textRefused(from: peer, error: error), &actions)
            actions.append(.send(id, .error(error)))
        case .new where message.origin == address:
            log(.ownTextReturned(id: message.identity, from: peer), &actions)
        case .new:
            var forwarded = 0
            for link in links where link.peer != peer {
                actions.append(.send(link.connection, .text(message)))
                forwarded += 1
            }
            textsReceived += 1
            log(.textReceived(id: message.identity, from: peer, forwardedTo: forwarded, text: message.text), &actions)
        }
    }
}
