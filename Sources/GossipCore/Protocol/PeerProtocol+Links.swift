/// Links: persistent TCP connections to neighbours, both ends gossiping on them.
///
/// A peer dials up to `maxLinks` peers from the union of its seeds' lists (at least one when
/// any is known, so each newcomer attaches to the overlay and the overlay stays connected) and
/// accepts up to `maxInboundLinks` links from others. A refused or failed dial is replaced by
/// the next candidate.
extension PeerProtocol {
    mutating func startLinking(now: Now, actions: inout [Action]) {
        // Keep a bounded number of candidates: a peer links to few, a handful more replace
        // failures, and a refresh from a seed brings fresh ones when they run out. (The union
        // of a quorum's lists holds up to hundreds of addresses; keeping them all, per peer,
        // was most of a 100,000-peer simulation's memory.)
        // A partial Fisher-Yates shuffle: only the first `wanted` places are drawn.
        let wanted = min(settings.maxLinks * 4, knownPeers.count)
        for i in 0..<wanted { knownPeers.swapAt(i, Int.random(in: i..<knownPeers.count, using: &rng)) }
        candidates = Array(knownPeers.prefix(wanted))
        knownPeers = []
        if candidates.isEmpty { log(.noPeersYet, &actions) }
        dialNextCandidates(now: now, actions: &actions)
    }

    /// Dials candidates until `maxLinks` links are up or being opened, or none is left.
    mutating func dialNextCandidates(now: Now, actions: inout [Action]) {
        guard linkingStarted else { return }
        var ours = ownLinkCount
        while ours < settings.maxLinks, !candidates.isEmpty {
            let peer = candidates.removeFirst()
            guard neighbours[peer] == nil, peer != address else { continue }
            dial(peer, now: now, actions: &actions)
            ours += 1
        }
    }

    /// Links this peer opened (up or down), plus new dials under way.
    var ownLinkCount: Int {
        neighbours.values.count { $0.dialledByUs }
            + roles.values.count { if case .dialling(let p, _) = $0 { return neighbours[p] == nil } else { return false } }
    }

    /// Takes addresses from a seed's list (a renewal's answer) as candidates when this peer is
    /// short of its own links. Renewals come once a round, so a peer short of links keeps
    /// hearing of new peers: this heals an overlay that joins or a partition left in pieces.
    mutating func offerCandidates(_ list: [NodeAddress], now: Now, actions: inout [Action]) {
        guard linkingStarted, ownLinkCount < settings.maxLinks else { return }
        let fresh = list.filter { neighbours[$0] == nil && !isDialling($0) && !candidates.contains($0) }
        guard !fresh.isEmpty else { return }
        candidates.append(contentsOf: fresh.shuffled(using: &rng).prefix(settings.maxLinks * 4))
        dialNextCandidates(now: now, actions: &actions)
    }

    mutating func dial(_ peer: NodeAddress, now: Now, actions: inout [Action]) {
        let id = newConnection(to: peer, actions: &actions)
        roles[id] = .dialling(peer, since: now.instant)
        log(.linking(peer), &actions)
    }

    /// The answer of a peer we dialled.
    mutating func dialAnswer(_ message: Message, from peer: NodeAddress, on id: ConnectionID, now: Now, actions: inout [Action]) {
        switch message {
        case .linkAccepted(let said):
            if said != peer { log(.peerMisnamed(peer, calls: said), &actions) }
            if let existing = neighbours[peer]?.connection, existing != id {
                // It linked to us meanwhile; one link is enough. It answered on its address.
                roles[id] = nil
                actions.append(.close(id))
                markVerified(peer, now: now, actions: &actions)
                return
            }
            attach(peer, on: id, dialledByUs: true, now: now, actions: &actions)
        case .linkRefused(let reason):
            roles[id] = nil
            actions.append(.close(id))
            log(.linkRefusedByPeer(peer, reason: Message.excerpt(reason)), &actions)
            dialNextCandidates(now: now, actions: &actions)
        case .register, .listPeers, .peerList, .deadNode, .linkRequest, .livenessRequest, .livenessReply, .gossip, .error,
            .leave, .listMembers, .members, .auth, .text:
            unexpected(message, on: id, now: now, actions: &actions)
        }
    }

    /// The first line of a connection someone opened to us must ask for a link.
    mutating func inboundFirstLine(
        _ message: Message, from remote: NodeAddress, on id: ConnectionID, now: Now, actions: inout [Action]
    ) {
        if case .livenessRequest(let timestamp, let sender) = message {
            // A seed checking on us (it was told we are dead): answer, and let it close.
            actions.append(.send(id, .livenessReply(timestamp: timestamp, sender: sender, replier: address)))
            log(.livenessProbeAnswered(sender, remote: remote), &actions)
            return
        }
        guard case .linkRequest(let peer) = message else {
            let error = "send 'Link Request:<IP>:<port>' first (a peer takes links, not '\(Message.quote(message.encoded[...]))')"
            let entry: NodeEvent? = errorLogged(on: id, now: now) ? .unexpectedMessage(from: "\(remote)", error: "\(error)") : nil
            answerError(error, log: entry, on: id, now: now, &actions)
            return
        }
        let refusal: String?
        if !peer.host.isSameHost(as: remote.host) {
            // A link is named by the address it comes from: nobody links in another's name.
            refusal = "\(peer) is not this connection's host (\(remote.host))"
        } else if peer == address {
            refusal = "that is my own address"
        } else if neighbours[peer]?.connection != nil {
            refusal = "already linked with \(peer)"
        } else if isDialling(peer), address < peer {
            // Both dialled at once. Keep one link, the one dialled by the lower address, and
            // let both ends agree on it without another round trip: the higher end accepts
            // this request and has its own refused.
            refusal = "simultaneous links: keeping the one dialled by the lower address (\(address))"
        } else if neighbours[peer] == nil, inboundLinkCount >= settings.maxInboundLinks {
            refusal = "inbound link limit (\(settings.maxInboundLinks)) reached"
        } else {
            refusal = nil
        }
        if let refusal {
            actions.append(.send(id, .linkRefused(refusal)))
            actions.append(.close(id))
            roles[id] = nil
            log(.linkRefused(peer, remote: remote, refusal: "\(refusal)"), &actions)
            return
        }
        actions.append(.send(id, .linkAccepted(address)))
        attach(peer, on: id, dialledByUs: neighbours[peer]?.dialledByUs ?? false, now: now, actions: &actions)
    }

    /// A link is up: record the neighbour and, once it is verified, send it the recent
    /// messages it may have missed (`PeerProtocol+Verification`).
    mutating func attach(_ peer: NodeAddress, on id: ConnectionID, dialledByUs: Bool, now: Now, actions: inout [Action]) {
        roles[id] = .link(peer)
        // We dialled it and it accepted, or it was verified before: it answers on its address.
        let verified = dialledByUs || neighbours[peer]?.verified == true
        if neighbours[peer] == nil {
            neighbourOrder.append(peer)
            let origin: LinkOrigin = dialledByUs ? .outbound : verified ? .inbound : .inboundUnverified
            log(.linked(peer, origin: origin, neighbours: neighbourOrder.count), &actions)
        } else {
            log(.linkUpAgain(peer), &actions)
        }
        var liveness = neighbours[peer]?.liveness ?? Liveness(missLimit: settings.livenessMisses)
        liveness.replyReceived()  // It answered on a fresh connection: it is alive.
        let probe = neighbours[peer]?.probe
        neighbours[peer] = Neighbour(
            connection: id, liveness: liveness, dialledByUs: dialledByUs, verified: verified, probe: probe,
            linkedAt: messageLog.inserted)
        candidates.removeAll { $0 == peer }
        linksChanged()
        if verified {
            if let probe {
                roles[probe] = nil
                actions.append(.close(probe))
                neighbours[peer]?.probe = nil
            }
            startCatchUp(for: peer, before: messageLog.inserted, now: now, actions: &actions)
        } else {
            verifySoon(peer, link: id, now: now, actions: &actions)
        }
    }

    /// A link dropped. A verified neighbour stays: liveness decides whether it is dead, and
    /// both ends dial again at each liveness check until the link is back or the neighbour is
    /// dead. An unverified one is forgotten: it never showed it is what it claimed.
    mutating func linkLost(_ peer: NodeAddress, why: String, actions: inout [Action]) {
        guard neighbours[peer]?.verified == true else {
            forget(peer, actions: &actions)
            log(.linkLostUnverified(peer, why: why), &actions)
            return
        }
        log(.linkLost(peer, why: why), &actions)
        neighbours[peer]?.connection = nil
        linksChanged()
    }

    /// Lines on an established link.
    mutating func linkLine(
        _ message: Message, from peer: NodeAddress, on id: ConnectionID, now: Now, actions: inout [Action]
    ) {
        // Anything a neighbour sends shows it alive: a reply delayed behind its gossip (TCP keeps
        // order) must not count as missed while its gossip keeps arriving.
        // (Checked only while a round's replies are due: this runs for every gossip line.)
        if replyTimeoutArmed, neighbours[peer]?.liveness.awaitingReply == true { heardFrom(peer, actions: &actions) }
        switch message {
        case .gossip(let gossip):
            received(gossip, from: peer, on: id, now: now, actions: &actions)
        case .text(let text):
            receivedText(text, from: peer, on: id, now: now, actions: &actions)
        case .leave(let said) where said == peer:
            // It stops on purpose: drop it now, and never report it dead.
            neighbourLeft(peer, on: id, actions: &actions)
        case .livenessRequest(let timestamp, let sender):
            actions.append(.send(id, .livenessReply(timestamp: timestamp, sender: sender, replier: address)))
            log(.livenessAnswered(peer), &actions)
            joinRoundToRequest(now: now, actions: &actions)
        case .livenessReply(_, let sender, _):
            guard sender == address else {
                let error = "liveness reply for \(sender), not for me (\(address))"
                let entry: NodeEvent? = errorLogged(on: id, now: now) ? .badLivenessReply(from: peer, error: "\(error)") : nil
                answerError(error, log: entry, on: id, now: now, &actions)
                return
            }
            heardFrom(peer, actions: &actions)
        case .register, .listPeers, .peerList, .deadNode, .linkRequest, .linkAccepted, .linkRefused, .error, .leave,
            .listMembers, .members, .auth:
            unexpected(message, on: id, now: now, actions: &actions)
        }
    }

    /// The neighbour answered (or sent something) since the last request.
    mutating func heardFrom(_ peer: NodeAddress, actions: inout [Action]) {
        neighbours[peer]?.liveness.replyReceived()
        // Every reply of the round is in: the time-out has nothing left to count, so it need
        // not wake the node (an idle node's cost is its wake-ups).
        if replyTimeoutArmed, !neighbours.values.contains(where: { $0.liveness.awaitingReply }) {
            actions.append(.cancel(.livenessTimeout))
            replyTimeoutArmed = false
        }
    }

    /// A neighbour said `Leave`: it is gone on purpose, not dead.
    mutating func neighbourLeft(_ peer: NodeAddress, on id: ConnectionID, actions: inout [Action]) {
        roles[id] = nil
        actions.append(.close(id))
        forget(peer, actions: &actions)
        log(.neighbourLeft(peer, neighbours: neighbourOrder.count), &actions)
    }

    /// Drops a neighbour for good (dead, departed, or unverified and gone).
    mutating func forget(_ peer: NodeAddress, actions: inout [Action]) {
        if let probe = neighbours[peer]?.probe {
            roles[probe] = nil
            actions.append(.close(probe))
        }
        neighbours[peer] = nil
        linksChanged()
        neighbourOrder.removeAll { $0 == peer }
        candidates.removeAll { $0 == peer }
    }

    /// Gives up on dials that got no answer within a liveness interval.
    mutating func expireDials(now: Now, actions: inout [Action]) {
        let late = roles.compactMap { id, role -> (ConnectionID, NodeAddress)? in
            if case .dialling(let peer, let since) = role, now.instant - since >= settings.livenessInterval { return (id, peer) }
            return nil
        }.sorted { ($0.1, $0.0.number) < ($1.1, $1.0.number) }
        for (id, peer) in late {
            roles[id] = nil
            actions.append(.close(id))
            log(.linkFailed(peer, why: "no answer to the link request"), &actions)
        }
        if !late.isEmpty { dialNextCandidates(now: now, actions: &actions) }
    }
}
