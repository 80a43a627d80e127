/// The catch-up: a neighbour whose link has just come up (and is verified) is sent the
/// messages this peer took before that moment, so a peer that joins late, or comes back
/// after a partition, still gets what was flooded while it was away.
///
/// It is paced: `syncChunk` messages now, then as many every `syncPace` until the range is
/// sent. A catch-up of thousands of messages sent at once would fill the connection's output
/// bound (the link would be cut off as a slow reader) and hold up the turn; paced, it costs
/// each turn a bounded amount and the neighbour reads it as it comes. Duplicates are dropped by
/// the receiver as usual (several neighbours catch one newcomer up at once).
extension PeerProtocol {
    /// Starts `peer`'s catch-up: the messages taken before the `mark`-th, at most `syncLimit`
    /// of the most recent, those still in the log.
    mutating func startCatchUp(for peer: NodeAddress, before mark: Int, now: Now, actions: inout [Action]) {
        let from = max(mark - settings.syncLimit, messageLog.inserted - messageLog.count, 0)
        guard from < mark, neighbours[peer]?.connection != nil else { return }
        neighbours[peer]?.catchUp = from..<mark
        sendCatchUpChunk(to: peer, actions: &actions)
        if neighbours[peer]?.catchUp != nil, !catchUpArmed {
            catchUpArmed = true
            actions.append(.schedule(.catchUp, at: now.instant + settings.syncPace))
        }
    }

    /// The next chunk for every neighbour still catching up.
    mutating func catchUpTimerFired(now: Now, actions: inout [Action]) {
        catchUpArmed = false
        var pending = false
        for peer in neighbourOrder where neighbours[peer]?.catchUp != nil {
            sendCatchUpChunk(to: peer, actions: &actions)
            pending = pending || neighbours[peer]?.catchUp != nil
        }
        if pending {
            catchUpArmed = true
            actions.append(.schedule(.catchUp, at: now.instant + settings.syncPace))
        }
    }

    /// Sends `peer` the next `syncChunk` messages of its catch-up; ends the catch-up when they
    /// are all sent or its link is down (a link that comes back starts a new one).
    private mutating func sendCatchUpChunk(to peer: NodeAddress, actions: inout [Action]) {
        guard let neighbour = neighbours[peer], let range = neighbour.catchUp else { return }
        guard let id = neighbour.connection else {
            neighbours[peer]?.catchUp = nil
            return
        }
        let (messages, next) = messageLog.messages(numbered: range, limit: settings.syncChunk)
        for message in messages { actions.append(.send(id, .gossip(message))) }
        neighbours[peer]?.catchUp = next < range.upperBound ? next..<range.upperBound : nil
    }
}
