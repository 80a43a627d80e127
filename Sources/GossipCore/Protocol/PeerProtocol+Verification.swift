/// Links are counted only once verified (docs/PROTOCOL.md, "Peer links").
///
/// A peer that dials us says which address it listens on; that address must be on the
/// connection's source host (checked when the link is asked for), and it must answer there.
/// The link is accepted at once, so gossip flows, but the neighbour is *unverified*: it is not
/// monitored, not sent the catch-up, not dialled again when its link drops, and never
/// reported dead. We dial its claimed address with a `Liveness Request` as the first line (as
/// a seed probes a suspect); the right `Liveness Reply` from the claimed address verifies it.
/// A neighbour we dialled ourselves answered on its address by accepting: verified at once.
///
/// An unverified link that closes is forgotten: no redial, no report. So `Link Request` and a
/// close, however often, leave nothing behind, and no `Dead Node` is ever sent about an
/// address that never answered. A probe that fails leaves the link unverified while it stays
/// open (a played neighbour, like the bench's, still gets gossip); it is probed again each
/// liveness round.
///
/// The probe leaves `probeDelay` after the link came up, not at once: a link that asks and
/// closes at once (the attack of issue 11, 15,000 times over) is gone by then and costs no
/// dial at all; an honest neighbour's catch-up waits that much longer.
///
/// Deadlines: an inbound connection must send its first line, and a probe must be answered,
/// within `settings.identifyTimeout` (`DeadlineQueue`, timer `.connectionDeadline`).
extension PeerProtocol {
    static let probeDelay: Duration = .milliseconds(50)

    /// Checks `peer` after `probeDelay`, if its link `id` is still up and unverified then.
    mutating func verifySoon(_ peer: NodeAddress, link id: ConnectionID, now: Now, actions: inout [Action]) {
        probeStarts.append(id, at: now.instant + Self.probeDelay)
        armConnectionDeadline(actions: &actions)
    }

    /// Starts checking that `peer` answers on its address, unless a check is under way.
    mutating func verify(_ peer: NodeAddress, now: Now, actions: inout [Action]) {
        guard let neighbour = neighbours[peer], !neighbour.verified, neighbour.probe == nil, neighbour.connection != nil
        else { return }
        let probe = newConnection(to: peer, actions: &actions)
        roles[probe] = .probe(peer)
        neighbours[peer]?.probe = probe
        setDeadline(for: probe, now: now, actions: &actions)
    }

    /// The answer on a probe connection: the right `Liveness Reply` verifies the neighbour;
    /// anything else fails the check.
    mutating func probeAnswer(_ message: Message, from peer: NodeAddress, on id: ConnectionID, now: Now, actions: inout [Action]) {
        roles[id] = nil
        actions.append(.close(id))
        if neighbours[peer]?.probe == id { neighbours[peer]?.probe = nil }
        if case .livenessReply(_, let sender, let replier) = message, sender == address, replier == peer {
            markVerified(peer, now: now, actions: &actions)
        } else {
            verificationFailed(peer, why: "answered '\(Message.quote(message.encoded[...]))'", actions: &actions)
        }
    }

    /// `peer` has shown it answers on its address: monitor it from now on, and send it the
    /// recent messages it may have missed (held back until now, so a link that only asks and
    /// closes costs no catch-up).
    mutating func markVerified(_ peer: NodeAddress, now: Now, actions: inout [Action]) {
        guard var neighbour = neighbours[peer], !neighbour.verified else { return }
        neighbour.verified = true
        if let probe = neighbour.probe {
            roles[probe] = nil
            actions.append(.close(probe))
            neighbour.probe = nil
        }
        neighbours[peer] = neighbour
        log("Link with peer \(peer) verified: it answers on its address", &actions)
        // What came since the link came up was flooded to it already.
        startCatchUp(for: peer, before: neighbour.linkedAt, now: now, actions: &actions)
    }

    /// The probe could not reach `peer` or got the wrong answer. The link stays while open,
    /// unverified; it is probed again next round.
    mutating func verificationFailed(_ peer: NodeAddress, why: String, actions: inout [Action]) {
        guard var neighbour = neighbours[peer], !neighbour.verified else { return }
        if let probe = neighbour.probe {
            roles[probe] = nil
            actions.append(.close(probe))
            neighbour.probe = nil
        }
        neighbours[peer] = neighbour
        log("Peer \(peer) does not answer on its address (\(why)); its link stays unverified", &actions)
    }

    /// Probes again every unverified neighbour whose link is up and has no probe under way.
    mutating func verifyUnverified(now: Now, actions: inout [Action]) {
        for peer in neighbourOrder where neighbours[peer]?.verified == false {
            verify(peer, now: now, actions: &actions)
        }
    }

    // MARK: Deadlines

    mutating func setDeadline(for id: ConnectionID, now: Now, actions: inout [Action]) {
        deadlines.append(id, at: now.instant + settings.identifyTimeout)
        armConnectionDeadline(actions: &actions)
    }

    /// Arms `.connectionDeadline` for the earliest entry of either queue, unless it is armed
    /// for that already.
    mutating func armConnectionDeadline(actions: inout [Action]) {
        let next = [deadlines.next, probeStarts.next].compactMap { $0 }.min()
        guard let next, next != connectionDeadlineAt else { return }
        connectionDeadlineAt = next
        actions.append(.schedule(.connectionDeadline, at: next))
    }

    /// Closes the connections whose deadline passed while still waiting: an inbound one that
    /// never said who it is, a probe never answered.
    mutating func connectionDeadlinesDue(now: Now, actions: inout [Action]) {
        connectionDeadlineAt = nil
        // Both queues' due entries are taken first: a probe started below sets a deadline,
        // and the timer must then be armed for what is left, never for an entry already due.
        let probesDue = probeStarts.popDue(now: now.instant)
        let deadlinesDue = deadlines.popDue(now: now.instant)
        for id in probesDue {
            guard case .link(let peer) = roles[id], neighbours[peer]?.connection == id else { continue }
            verify(peer, now: now, actions: &actions)
        }
        for id in deadlinesDue {
            switch roles[id] {
            case .inbound(let remote, _):
                roles[id] = nil
                actions.append(
                    .send(
                        id, .error("nothing identified this connection within \(settings.identifyTimeout.secondsText); closing")))
                actions.append(.close(id))
                log(
                    "Closed the connection from \(remote): it did not identify itself within \(settings.identifyTimeout.secondsText)",
                    &actions)
            case .probe(let peer):
                verificationFailed(peer, why: "no answer within \(settings.identifyTimeout.secondsText)", actions: &actions)
            case .seed, .dialling, .link, nil:
                break  // Moved on, or closed, since.
            }
        }
        armConnectionDeadline(actions: &actions)
    }
}
