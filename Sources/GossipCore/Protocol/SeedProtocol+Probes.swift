/// The seed's own check of a suspect: it dials the suspect's listen address and sends a
/// `Liveness Request`, as a neighbour would. The outcomes weigh differently:
///
/// - an answer clears the suspicion at once: the accused is alive, whoever said otherwise;
/// - a refused connection is strong evidence (the suspect's host says nothing listens on that
///   port: the process is gone), and the suspect is dropped at once;
/// - a time-out or an unreachable network is weak evidence (loss, a partition, a paused
///   process): the suspect is dropped only after the suspicion timeout, and only if nothing at
///   all was heard from it meanwhile (`SeedMembership.check`).
extension SeedProtocol {
    mutating func startProbe(_ peer: NodeAddress, now: Now, actions: inout [Action]) {
        guard probes.values.count(where: { $0.peer == peer }) < SeedSettings.maxProbesPerSuspect else { return }
        let id = ConnectionID(.outbound, nextConnection)
        nextConnection += 1
        probes[id] = Probe(peer: peer, started: now.instant)
        actions.append(.connect(id, to: peer))
        log("Probing \(peer) (\(id))", &actions)
    }

    /// One probe: a connection of the seed's own to a suspect's listen address.
    struct Probe: Sendable {
        var peer: NodeAddress
        var started: Instant
    }

    mutating func probeConnected(_ id: ConnectionID, now: Now, actions: inout [Action]) {
        guard probes[id] != nil else { return }
        actions.append(.send(id, .livenessRequest(timestamp: now.wall, sender: address)))
    }

    mutating func probeFailed(_ id: ConnectionID, reason: ConnectFailure, now: Now, actions: inout [Action]) {
        guard let peer = probes.removeValue(forKey: id)?.peer else { return }
        guard reason.refused else {
            log("Probe of \(peer) could not connect (\(reason)); still suspect", &actions)
            return
        }
        drop(peer, evidence: "its port refused the seed's probe", now: now, actions: &actions)
    }

    mutating func probeAnswered(_ message: Message, by peer: NodeAddress, on id: ConnectionID, now: Now, actions: inout [Action])
    {
        probes[id] = nil
        actions.append(.close(id))
        guard case .livenessReply(_, let sender, let replier) = message, sender == address, replier == peer else {
            log("Probe of \(peer) got '\(Message.quote(message.encoded[...]))' instead of a liveness reply", &actions)
            return
        }
        if membership.heard(from: peer, now: now.instant) {
            log("Peer \(peer) answered the seed's probe: alive, no longer suspect", &actions)
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
                log(
                    "Removed peer \(peer): expired (no renewal for \((now.instant - since).secondsText)); \(registry.count) peers listed",
                    &actions)
                if let connection, registeredOn[connection] == peer { registeredOn[connection] = nil }
            case .silent(let peer, let since):
                accuse(
                    peer, by: address, reason: "no renewal for \((now.instant - since).secondsText)", now: now,
                    actions: &actions)
            }
        }
        // A probe that has neither answered nor failed by now is stuck behind loss or a
        // partition: close it, so that later probes start on fresh connections.
        let stuck = probes.filter { now.instant - $0.value.started >= settings.probeTimeout }.keys.sorted {
            $0.number < $1.number
        }
        for id in stuck {
            probes[id] = nil
            actions.append(.close(id))
        }
    }
}
