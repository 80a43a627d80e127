/// Registration: ask floor(n/2)+1 seeds, chosen at random, to list us; take the union of the
/// peer lists they return. A seed that cannot be reached (or does not answer within one
/// liveness interval) is replaced by the next one in the shuffled order, so the peer still
/// registers with a quorum when some seeds are down.
///
/// Registration is soft state (docs/PROTOCOL.md, "Membership"): once a liveness round the peer
/// sends each of its seeds `Register` again. The answer (a fresh peer list) proves the seed
/// still lists it; a seed that restarted, or dropped the peer by mistake, lists it again. A
/// renewal left unanswered for a whole round means the connection is stuck (loss, a healed
/// partition whose TCP retransmissions have backed off): it is closed and a fresh one opened.
/// A peer that lost a seed asks it again at once and at every round; it turns to another seed
/// only when that one stays away for `rejoinGrace`, so a restarted seed gets its peers back.
extension PeerProtocol {
    /// How long a lost seed is asked again before another seed takes its place.
    var rejoinGrace: Duration { settings.livenessInterval * 3 }

    mutating func startRegistration(now: Now, actions: inout [Action]) {
        seedOrder = SeedChoice.order(settings.seeds, using: &rng)
        let quorum = SeedChoice.quorum(of: seedOrder.count)
        log(
            "Registering with \(quorum) of \(seedOrder.count) seeds: \(LogEntry.describe(Array(seedOrder.prefix(quorum))))",
            &actions)
        for _ in 0..<quorum { askNextSeed(now: now, actions: &actions) }
    }

    /// Asks the next seed in the shuffled order (wrapping round) that is neither registered,
    /// nor asked already, nor failed this round; false when there is none.
    @discardableResult
    mutating func askNextSeed(now: Now, actions: inout [Action]) -> Bool {
        for _ in 0..<seedOrder.count {
            let seed = seedOrder[nextSeed % seedOrder.count]
            nextSeed += 1
            if registeredSeeds.contains(seed) || pendingRegistrations[seed] != nil || failedThisRound.contains(seed)
                || rejoining[seed] != nil
            {
                continue
            }
            ask(seed, now: now, actions: &actions)
            return true
        }
        return false
    }

    mutating func ask(_ seed: NodeAddress, now: Now, actions: inout [Action]) {
        pendingRegistrations[seed] = now.instant
        send(.register(address), toSeed: seed, actions: &actions)
    }

    /// Sends to a seed over its persistent connection, opening one if there is none.
    mutating func send(_ message: Message, toSeed seed: NodeAddress, actions: inout [Action]) {
        if let id = seedConnections[seed], case .seed(_, let queued) = roles[id] {
            if var queued {
                queued.append(message)
                roles[id] = .seed(seed, queued: queued)
            } else {
                actions.append(.send(id, message))
            }
            return
        }
        let id = newConnection(to: seed, actions: &actions)
        seedConnections[seed] = id
        roles[id] = .seed(seed, queued: [message])
    }

    mutating func seedLine(_ message: Message, from seed: NodeAddress, now: Now, actions: inout [Action]) {
        guard case .peerList(let list) = message else {
            guard let id = seedConnections[seed] else { return }
            unexpected(message, on: id, actions: &actions)
            return
        }
        renewals[seed] = nil
        let own = address
        guard pendingRegistrations.removeValue(forKey: seed) != nil else {
            // A renewal's answer: still listed. Its list is a fresh sample of the network.
            offerCandidates(list.filter { $0 != own }, now: now, actions: &actions)
            return
        }
        log(.list("Peer list from seed \(seed): ", list), &actions)
        if !registeredSeeds.contains(seed) { registeredSeeds.append(seed) }
        if rejoining.removeValue(forKey: seed) != nil { log("Registered again with seed \(seed)", &actions) }
        guard linkingStarted else {
            // Gathered as they come; made a union (each address once) when registration ends.
            knownPeers.append(contentsOf: list.lazy.filter { $0 != own })
            registrationProgressed(now: now, actions: &actions)
            return
        }
        offerCandidates(list.filter { $0 != own }, now: now, actions: &actions)
    }

    mutating func seedConnectionLost(
        _ seed: NodeAddress, id: ConnectionID, unsent: [Message], why: String, now: Now, actions: inout [Action]
    ) {
        if seedConnections[seed] == id { seedConnections[seed] = nil }
        log("Connection to seed \(seed) \(why)", &actions)
        // A death report that never left must not be lost with the connection: try again later
        // (while it is still worth anything; see `retryUndeliveredReports`).
        for case .deadNode(let dead, let timestamp, _) in unsent {
            undeliveredReports.append(PendingReport(seed: seed, dead: dead, timestamp: timestamp, madeAt: now.instant))
        }
        renewals[seed] = nil
        if let index = registeredSeeds.firstIndex(of: seed) {
            // Listed there until now: the seed restarted, or unlisted us. Register again at once.
            registeredSeeds.remove(at: index)
            rejoining[seed] = now.instant
            log("Registering again with seed \(seed)", &actions)
            ask(seed, now: now, actions: &actions)
            return
        }
        guard pendingRegistrations.removeValue(forKey: seed) != nil else { return }
        registrationFailed(seed, now: now, actions: &actions)
    }

    /// A seed we asked did not register us: try a fallback so a quorum still knows us (unless
    /// the seed is one we were registered with, which is asked again next round).
    mutating func registrationFailed(_ seed: NodeAddress, now: Now, actions: inout [Action]) {
        failedThisRound.insert(seed)
        if let since = rejoining[seed], now.instant - since < rejoinGrace {
            registrationProgressed(now: now, actions: &actions)
            return
        }
        rejoining[seed] = nil
        if askNextSeed(now: now, actions: &actions) {
            log("Registration with seed \(seed) failed; trying seed \(seedOrder[(nextSeed - 1) % seedOrder.count]) instead", &actions)
        } else if !linkingStarted || registeredSeeds.count < SeedChoice.quorum(of: seedOrder.count) {
            log("Registration with seed \(seed) failed; will try again in \(settings.livenessInterval)", &actions)
        }
        registrationProgressed(now: now, actions: &actions)
    }

    /// Once every asked seed has answered or failed, start linking with what we know.
    mutating func registrationProgressed(now: Now, actions: inout [Action]) {
        guard pendingRegistrations.isEmpty, !linkingStarted else { return }
        linkingStarted = true
        // The union: sorted, each address once. Sorting a few hundred addresses is cheaper
        // than hashing them (measured in a 100,000-peer simulation), and gives an order that
        // does not depend on which seed answered first.
        knownPeers.sort()
        knownPeers = knownPeers.enumerated().filter { $0.offset == 0 || knownPeers[$0.offset - 1] != $0.element }.map(\.element)
        let quorum = SeedChoice.quorum(of: seedOrder.count)
        if registeredSeeds.count < quorum {
            log("Warning: registered with only \(registeredSeeds.count) of the \(quorum) seeds wanted", &actions)
        }
        log(.list("Registered with \(registeredSeeds.count) seeds; \(knownPeers.count) peers known: ", knownPeers), &actions)
        startLinking(now: now, actions: &actions)
    }

    /// Once a liveness round: renew with every seed we are listed by, reconnect where the last
    /// renewal went unanswered, ask lost seeds again, and top up to a quorum.
    mutating func renewRegistrations(now: Now, actions: inout [Action]) {
        expireRegistrations(now: now, actions: &actions)
        failedThisRound = []
        for seed in registeredSeeds {
            if renewals[seed] != nil, let id = seedConnections.removeValue(forKey: seed) {
                // A whole round without an answer: the connection is stuck. A fresh one is not.
                roles[id] = nil
                actions.append(.close(id))
                log("Seed \(seed) did not answer the last renewal; reconnecting", &actions)
            }
            renewals[seed] = now.instant
            send(.register(address), toSeed: seed, actions: &actions)
        }
        for (seed, since) in rejoining.sorted(by: { $0.key < $1.key }) where pendingRegistrations[seed] == nil {
            if now.instant - since < rejoinGrace {
                ask(seed, now: now, actions: &actions)
            } else {
                rejoining[seed] = nil
                log("Seed \(seed) stayed away for \(rejoinGrace); registering with another seed", &actions)
            }
        }
        let quorum = SeedChoice.quorum(of: seedOrder.count)
        while registeredSeeds.count + pendingRegistrations.count + rejoining.count < quorum,
            askNextSeed(now: now, actions: &actions)
        {}
    }

    /// Gives up on seeds that took longer than a liveness interval to answer.
    mutating func expireRegistrations(now: Now, actions: inout [Action]) {
        let late = pendingRegistrations.filter { now.instant - $0.value >= settings.livenessInterval }.keys.sorted()
        for seed in late {
            pendingRegistrations[seed] = nil
            if let id = seedConnections.removeValue(forKey: seed) {
                roles[id] = nil
                actions.append(.close(id))
            }
            log("Seed \(seed) did not answer the registration in time", &actions)
            registrationFailed(seed, now: now, actions: &actions)
        }
    }

    /// A graceful stop: every seed and neighbour hears `Leave` (docs/PROTOCOL.md), so the seeds
    /// drop this peer at once and nobody reports it dead.
    mutating func leave(now: Now, actions: inout [Action]) {
        let seeds = settings.seeds.filter { seedConnections[$0] != nil }
        for seed in seeds { send(.leave(address), toSeed: seed, actions: &actions) }
        for link in links { actions.append(.send(link.connection, .leave(address))) }
        log("Leaving: told \(seeds.count) seeds and \(links.count) neighbours", &actions)
    }
}
