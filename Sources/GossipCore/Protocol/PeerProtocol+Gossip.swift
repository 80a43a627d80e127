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
        log("\(LogText.created(message, sentTo: links.count))", &actions)
    }

    mutating func received(
        _ message: GossipMessage, from peer: NodeAddress, on id: ConnectionID, now: Now, actions: inout [Action]
    ) {
        switch messageLog.insert(message, now: now) {
        case .duplicate:
            return  // Seen before: dropped silently, as the specification says.
        case .stale:
            log(
                "Dropped stale message \(message) from \(peer): older than the \(settings.logRetention.secondsText) retention, or than this peer can tell from one it has seen",
                &actions)
        case .future:
            let ahead = Duration.milliseconds(message.timestamp.milliseconds - now.wall.milliseconds)
            let error =
                "message \(message) is timestamped \(ahead.secondsText) ahead of my clock (at most \(settings.maxClockSkew.secondsText) taken)"
            log("Refused a message from \(peer): \(error)", &actions)
            actions.append(.send(id, .error(error)))
        case .new where message.origin == address:
            // Ours, but not made by this run: a message of an earlier incarnation at this address,
            // still travelling. Remembered (so it is not taken again), not delivered as news.
            log("Own message \(message) from an earlier run came back from \(peer); not delivered", &actions)
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

/// Log lines that programs and tests read back (the cluster's delivery report, the
/// integration tests), written and parsed in one place.
public enum LogText {
    static let receivedPrefix = "Received "
    static let receivedInfix = " from "

    static let createdPrefix = "Created message "

    /// `Received <message> from <neighbour>; forwarded to <n>`: the specification's receipt
    /// line (the message as on the wire, the neighbour it came from; the shell adds the local
    /// time), with how many neighbours it was passed on to.
    public static func received(_ message: GossipMessage, from peer: NodeAddress, forwardedTo count: Int) -> String {
        receivedPrefix + message.text + receivedInfix + peer.description + "; forwarded to \(count)"
    }

    public static func created(_ message: GossipMessage, sentTo neighbours: Int) -> String {
        createdPrefix + message.text + "; sent to \(neighbours) neighbours"
    }

    /// The event of a log line: the text after the local-time prefix
    /// (`2026-11-21 19:44:09.123456 `).
    public static func event(inLogLine line: Substring) -> Substring? {
        let prefixLength = 27
        guard line.utf8.count > prefixLength else { return nil }
        let start = line.utf8.index(line.utf8.startIndex, offsetBy: prefixLength)
        guard line.utf8[line.utf8.index(before: start)] == UInt8(ascii: " ") else { return nil }
        return line[start...]
    }

    /// A `Created message` line read back: the message and how many neighbours it went to.
    public static func creation(inEvent text: Substring) -> (message: GossipMessage, sentTo: Int)? {
        guard text.hasPrefix(createdPrefix) else { return nil }
        let rest = text.dropFirst(createdPrefix.count)
        guard let end = rest.firstIndex(of: ";"), let message = try? Message.decodeGossip(rest[..<end]) else { return nil }
        return (message, number(after: "; sent to ", in: rest) ?? 0)
    }

    /// The message in a log line written by `created(_:sentTo:)`, without the time prefix.
    public static func createdMessage(inEvent text: Substring) -> GossipMessage? {
        creation(inEvent: text)?.message
    }

    /// A `Received` line read back: the message, the neighbour it came from, and how many
    /// neighbours it was forwarded to.
    public static func receipt(inEvent text: Substring) -> (message: GossipMessage, from: NodeAddress, forwarded: Int)? {
        guard text.hasPrefix(receivedPrefix) else { return nil }
        let rest = text.dropFirst(receivedPrefix.count)
        guard let infix = rest.firstRange(of: receivedInfix),
            let message = try? Message.decodeGossip(rest[..<infix.lowerBound])
        else { return nil }
        let after = rest[infix.upperBound...]
        guard let from = try? NodeAddress(parsing: after.prefix { $0 != ";" }) else { return nil }
        return (message, from, number(after: "; forwarded to ", in: after) ?? 0)
    }

    /// The message in a log line written by `received(_:from:forwardedTo:)`, without the time prefix.
    public static func receivedMessage(inEvent text: Substring) -> GossipMessage? {
        receipt(inEvent: text)?.message
    }

    private static func number(after marker: String, in text: Substring) -> Int? {
        guard let range = text.firstRange(of: marker) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isASCII && $0.isNumber })
    }
}
