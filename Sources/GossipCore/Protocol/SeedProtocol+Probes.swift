/// The seed's own checks of a peer: it dials the peer's listen address and sends a
/// `Liveness Request`, as a neighbour would. Two kinds:
///
/// - a **join probe** checks a new registration before it is listed: nobody is handed out
///   (and dialled by every newcomer) who has not answered on the address it claims. Any
///   failure (refused, unreachable, no answer within `identifyTimeout`, a wrong answer)
///   forgets the registration and tells the registrant `Error:registration refused: ...`.
///   At most `SeedSettings.maxJoinProbes` run at once; the others wait in arrival order.
/// - a **suspect probe** checks a listed peer that was accused. The outcomes weigh
///   differently:
///   - an answer clears the suspicion at once: the accused is alive, whoever said otherwise;
///   - a refused connection is strong evidence (the suspect's host says nothing listens on that
///     port: the process is gone), and the suspect is dropped at once;
///   - a time-out or an unreachable network is weak evidence (loss, a partition, a paused
///     process): the suspect is dropped only after the suspicion timeout, and only if nothing
///     at all was heard from it meanwhile (`SeedMembership.check`).
extension SeedProtocol {
    /// One probe: a connection of the seed's own to a peer's listen address.
    struct Probe: Sendable {
        var peer: NodeAddress
        var started: Instant
        /// Checks a new registration (not a suspect).
        var joining: Bool
    }

    mutating func startProbe(_ peer: NodeAddress, joining: Bool = false, now: Now, actions: inout [Action]) {
        let running = probesPerPeer[peer, default: 0]
        guard running < (joining ? 1 : SeedSettings.maxProbesPerSuspect) else { return }
        if !joining, probes.count - joinProbesInFlight >= SeedSettings.maxSuspectProbes { return }
        let id = ConnectionID(.outbound, nextConnection)
        nextConnection += 1
        probes[id] = Probe(peer: peer, started: now.instant, joining: joining)
        probesPerPeer[peer] = running + 1
        actions.append(.connect(id, to: peer))
        if joining {
            joinProbesInFlight += 1
            watch(id, now: now, actions: &actions)
        } else {
            log(.probing(peer), &actions)
        }
    }

    /// The probe on `id` is over, whatever its outcome: returns it (nil: not a probe).
    mutating func endProbe(_ id: ConnectionID) -> Probe? {
        guard let probe = probes.removeValue(forKey: id) else { return nil }
        let left = probesPerPeer[probe.peer, default: 1] - 1
        probesPerPeer[probe.peer] = left > 0 ? left : nil
        if probe.joining {
            joinProbesInFlight -= 1
            deadlines.forget(id)
        }
        return probe
    }

    /// Starts the waiting join probes, up to the bound.
    mutating func startJoinProbes(now: Now, actions: inout [Action]) {
        while joinProbesInFlight < SeedSettings.maxJoinProbes, joinQueueHead < joinQueue.count {
            let peer = joinQueue[joinQueueHead]
            joinQueueHead += 1
            // Gone meanwhile (its connection closed), or queued twice.
            guard membership.isJoining(peer), probesPerPeer[peer] == nil else { continue }
            startProbe(peer, joining: true, now: now, actions: &actions)
        }
        if joinQueueHead > 64, joinQueueHead * 2 > joinQueue.count {
            joinQueue.removeFirst(joinQueueHead)
            joinQueueHead = 0
        }
    }

    /// A new registration's probe answered: listed from now on, and its `Register` answered
    /// with the peers listed before it.
    mutating func joinVerified(_ peer: NodeAddress, now: Now, actions: inout [Action]) {
        guard membership.verify(peer, now: now.instant) else { return }
        let connection = membership.connection(of: peer)
        let remote = connection.flatMap { remotes[$0] }
        log(.peerRegistered(peer, connection: remote, listed: registry.count), &actions)
        if let connection, registeredOn[connection] == peer {
            let list = registry.sample(limit: Limits.maxPeerListEntries, excluding: peer, using: &rng)
            actions.append(.send(connection, .peerList(list)))
        }
        scheduleCheck(by: now.instant + settings.silenceLimit, now: now, actions: &actions)
    }

    /// A new registration's probe failed: forgotten, and the registrant told why.
    mutating func joinFailed(_ peer: NodeAddress, why: String, now: Now, actions: inout [Action]) {
        let connection = membership.connection(of: peer)
        guard membership.forgetJoining(peer) else { return }
        let text = "\(Self.registrationRefused): \(peer) did not answer the seed's probe (\(why)); retry later"
        noteRefusal(
            "registrations refused from \(peer.host): the probe failed",
            event: .registrationProbeFailed(peer: peer, why: why, quietFor: SeedSettings.refusalSummaryInterval),
            now: now, actions: &actions)
        if let connection, registeredOn[connection] == peer {
            actions.append(.send(connection, .error(text)))
            unregistered(connection, now: now, actions: &actions)
        }
    }

    mutating func probeConnected(_ id: ConnectionID, now: Now, actions: inout [Action]) {
        guard probes[id] != nil else { return }
        actions.append(.send(id, .livenessRequest(timestamp: now.wall, sender: address)))
    }

    mutating func probeFailed(_ id: ConnectionID, reason: ConnectFailure, now: Now, actions: inout [Action]) {
        guard let probe = endProbe(id) else { return }
        if probe.joining {
            joinFailed(probe.peer, why: "could not connect: \(reason)", now: now, actions: &actions)
            startJoinProbes(now: now, actions: &actions)
            return
        }
        guard reason.refused else {
            log(.probeConnectFailed(probe.peer, reason: "\(reason)"), &actions)
            return
        }
        drop(probe.peer, evidence: "its port refused the seed's probe", now: now, actions: &actions)
    }

    mutating func probeAnswered(_ message: Message, on id: ConnectionID, now: Now, actions: inout [Action]) {
        guard let probe = endProbe(id) else { return }
        let peer = probe.peer
        actions.append(.close(id))
        guard case .livenessReply(_, let sender, let replier) = message, sender == address, replier == peer else {
            let quoted = Message.quote(message.encoded[...])
            if probe.joining {
                joinFailed(peer, why: "it answered '\(quoted)'", now: now, actions: &actions)
                startJoinProbes(now: now, actions: &actions)
            } else {
                log(.probeWrongAnswer(peer, answer: Message.excerpt(message.encoded, limit: 60)), &actions)
            }
            return
        }
        if probe.joining {
            joinVerified(peer, now: now, actions: &actions)
            startJoinProbes(now: now, actions: &actions)
        } else if membership.heard(from: peer, now: now.instant) {
            log(.probeAnswered(peer), &actions)
        }
    }

    /// The periodic look at every member (`TimerID.membership`).
    mutating func checkMembers(now: Now, actions: inout [Action]) {
        for decision in membership.check(now: now.instant, settings: settings) {
            switch decision {
            case .confirmDead(let peer, let suspicion):
                let silent = (now.instant - (membership.records[peer]?.lastHeard ?? suspicion.since)).secondsText
                drop(
                    peer, evidence: "\(suspicion.reason); silent for \(silent) and no answer to the seed's probes",
                    now: now, actions: &actions)
            case .probe(let peer):
                startProbe(peer, now: now, actions: &actions)
            case .expired(let peer, let since):
                let connection = membership.connection(of: peer)
                guard membership.remove(peer, as: .expired, now: now.instant) else { continue }
                log(.removedExpired(peer, silence: (now.instant - since).toMilliseconds, listed: registry.count), &actions)
                if let connection, registeredOn[connection] == peer { unregistered(connection, now: now, actions: &actions) }
            case .silent(let peer, let since):
                accuse(
                    peer, by: address, reason: "no renewal for \((now.instant - since).secondsText)", now: now,
                    actions: &actions)
            }
        }
        // A suspect's probe that has neither answered nor failed by now is stuck behind loss or
        // a partition: close it, so that later probes start on fresh connections. (Join probes
        // have their own, shorter deadline.)
        let stuck = probes.filter { !$0.value.joining && now.instant - $0.value.started >= settings.probeTimeout }.keys.sorted {
            $0.number < $1.number
        }
        for id in stuck {
            _ = endProbe(id)
            actions.append(.close(id))
        }
    }
}
