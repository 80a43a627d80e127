/// Registration: ask floor(n/2)+1 seeds, chosen at random, to list us; take the union of the
/// peer lists they return. A seed that cannot be reached (or does not answer within one
/// liveness interval) is replaced by the next one in the shuffled order, so the peer still
/// registers with a quorum when some seeds are down; when none is left, it asks again every
/// round, so a peer started before its seeds registers once they are up.
///
/// Registration is soft state (docs/PROTOCOL.md, "Membership"): every other liveness round the
/// peer sends each of its seeds `Register` again. The answer (a fresh peer list) proves the seed
/// still lists it; a seed that restarted, or dropped the peer by mistake, lists it again. A
/// renewal left unanswered until the next one means the connection is stuck (loss, a healed
/// partition whose TCP retransmissions have backed off): it is closed and a fresh one opened.
/// A peer that lost a seed asks it again at once and at every round; it turns to another seed
/// only when that one stays away for `rejoinGrace`, so a restarted seed gets its peers back.
///
/// A seed that refuses (`Error:registration refused: ...`, a full seed or one that could not
/// reach us), turns the connection away, cannot be reached or does not answer is asked again
/// after an exponential backoff with jitter (`SeedStandings.backoff`: from a quarter of an
/// interval, doubling, at most four intervals), so a peer turned away by a flooded seed
/// registers soon after the flood ends, and a crowd turned away together does not come back
/// in step.
///
/// Where the peer stands with each seed is one `SeedStandings.Standing` per seed.
extension PeerProtocol {
    /// Rounds between renewals: every other liveness interval. A seed suspects a peer only
    /// after `SeedSettings.silenceLimit` (four intervals) without one.
    static let renewalRounds = 2

    /// How long a lost seed is asked again before another seed takes its place.
    var rejoinGrace: Duration { settings.livenessInterval * 3 }

    /// The first wait after a failed registration, doubled at each failure in a row.
    var registrationBackoffBase: Duration { settings.livenessInterval / 4 }
    /// The longest wait between two attempts with one seed.
    var registrationBackoffCap: Duration { settings.livenessInterval * 4 }

    /// Seeds that list this peer, in the shuffled order.
    public var registeredSeeds: [NodeAddress] { seeds.registered }

    mutating func startRegistration(now: Now, actions: inout [Action]) {
        seeds.choose(from: settings.seeds, using: &rng)
        log(
            "Registering with \(seeds.quorum) of \(seeds.order.count) seeds: \(LogEntry.describe(Array(seeds.order.prefix(seeds.quorum))))",
            &actions)
        for _ in 0..<seeds.quorum { askNextSeed(now: now, actions: &actions) }
    }

    /// Asks the next seed we have no standing with; false when there is none.
    @discardableResult
    mutating func askNextSeed(now: Now, actions: inout [Action]) -> Bool {
        guard let seed = seeds.nextUnasked() else { return false }
        ask(seed, now: now, lostAt: nil, actions: &actions)
        return true
    }

    mutating func ask(_ seed: NodeAddress, now: Now, lostAt: Instant?, actions: inout [Action]) {
        seeds[seed] = .asked(since: now.instant, lostAt: lostAt)
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
            unexpected(message, on: id, now: now, actions: &actions)
            return
        }
        let own = address
        let others = list.filter { $0 != own }
        switch seeds[seed] {
        case .registered:
            // A renewal's answer: still listed. Its list is a fresh sample of the network.
            seeds[seed] = .registered(renewalSentAt: nil)
            offerCandidates(others, now: now, actions: &actions)
        case .asked(_, let lostAt):
            seeds[seed] = .registered(renewalSentAt: nil)
            seeds.succeeded(seed)
            log(.list("Peer list from seed \(seed): ", list), &actions)
            if lostAt != nil { log("Registered again with seed \(seed)", &actions) }
            guard linkingStarted else {
                // Gathered as they come; made a union (each address once) when registration ends.
                knownPeers.append(contentsOf: others)
                registrationProgressed(now: now, actions: &actions)
                return
            }
            offerCandidates(others, now: now, actions: &actions)
        case .rejoining, .failed, nil:
            // A list we did not ask for (a seed we gave up on answered late): still news.
            offerCandidates(others, now: now, actions: &actions)
        }
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
        switch seeds[seed] {
        case .registered:
            // Listed there until now: the seed restarted, or unlisted us. Register again at once.
            log("Registering again with seed \(seed)", &actions)
            ask(seed, now: now, lostAt: now.instant, actions: &actions)
        case .asked:
            registrationFailed(seed, now: now, actions: &actions)
        case .rejoining, .failed, nil:
            break
        }
    }

    /// A seed we asked did not register us. One we were registered with is asked again next
    /// round (within `rejoinGrace`); otherwise another seed is tried, so a quorum still knows us.
    mutating func registrationFailed(_ seed: NodeAddress, now: Now, actions: inout [Action]) {
        if case .asked(_, let lostAt?) = seeds[seed], now.instant - lostAt < rejoinGrace {
            seeds[seed] = .rejoining(lostAt: lostAt)
            registrationProgressed(now: now, actions: &actions)
            return
        }
        let retryAt = backOff(seed, now: now, actions: &actions)
        if askNextSeed(now: now, actions: &actions) {
            log("Registration with seed \(seed) failed; trying another seed instead", &actions)
        } else if !linkingStarted || seeds.registered.count < seeds.quorum {
            log("Registration with seed \(seed) failed; will try again in \((retryAt - now.instant).secondsText)", &actions)
        }
        registrationProgressed(now: now, actions: &actions)
    }

    /// `seed` failed us: it waits out its backoff, and the retry timer is armed for the first
    /// seed whose wait ends.
    @discardableResult
    mutating func backOff(_ seed: NodeAddress, now: Now, actions: inout [Action]) -> Instant {
        // Seeds whose wait is over are free again first: their retry timer may be due and not
        // fired yet (a paused process wakes with several timers due), and re-arming it for
        // their past deadline would ask for a timer in the past (found by the fuzzer).
        seeds.releaseDue(now: now.instant)
        let at = seeds.fail(
            seed, now: now.instant, base: registrationBackoffBase, cap: registrationBackoffCap, using: &rng)
        if let next = seeds.nextRetry { actions.append(.schedule(.registrationRetry, at: next)) }
        return at
    }

    /// A seed answered a `Register` with `Error:registration refused: ...` (it is full, or could
    /// not reach us on our address): not registered there. The connection is closed and the
    /// seed asked again after its backoff; meanwhile another seed may take its place.
    mutating func registrationRefused(_ seed: NodeAddress, on id: ConnectionID, reason: String, now: Now, actions: inout [Action]) {
        roles[id] = nil
        if seedConnections[seed] == id { seedConnections[seed] = nil }
        actions.append(.close(id))
        log("Seed \(seed) refused the registration: \(reason)", &actions)
        if case .registered = seeds[seed] {
            // Listed until now (a renewal refused): not any more.
            seeds[seed] = .asked(since: now.instant, lostAt: nil)
        }
        registrationFailed(seed, now: now, actions: &actions)
    }

    /// `.registrationRetry`: the seeds whose backoff is over are asked again, as far as the
    /// quorum needs them.
    mutating func retryRegistrations(now: Now, actions: inout [Action]) {
        seeds.releaseDue(now: now.instant)
        while seeds.committed < seeds.quorum, askNextSeed(now: now, actions: &actions) {}
        if let next = seeds.nextRetry { actions.append(.schedule(.registrationRetry, at: next)) }
    }

    /// Once every asked seed has answered or failed, start linking with what we know.
    mutating func registrationProgressed(now: Now, actions: inout [Action]) {
        guard seeds.asked.isEmpty, !linkingStarted else { return }
        linkingStarted = true
        // The union: sorted, each address once. Sorting a few hundred addresses is cheaper
        // than hashing them (measured in a 100,000-peer simulation), and gives an order that
        // does not depend on which seed answered first.
        knownPeers.sort()
        knownPeers = knownPeers.enumerated().filter { $0.offset == 0 || knownPeers[$0.offset - 1] != $0.element }.map(\.element)
        let registered = seeds.registered.count
        if registered < seeds.quorum {
            log("Warning: registered with only \(registered) of the \(seeds.quorum) seeds wanted", &actions)
        }
        log(.list("Registered with \(registered) seeds; \(knownPeers.count) peers known: ", knownPeers), &actions)
        startLinking(now: now, actions: &actions)
    }

    /// Once a liveness round: give up on late answers, renew with every seed we are listed by
    /// (reconnecting where the last renewal went unanswered), ask lost seeds again, and top up
    /// to a quorum.
    mutating func renewRegistrations(now: Now, actions: inout [Action]) {
        expireRegistrations(now: now, actions: &actions)
        seeds.releaseDue(now: now.instant)
        // Renewals go out every `renewalRounds` rounds (an idle peer's cost is its wake-ups, and
        // each seed's answer is one), or at once after a round that heard from nobody or a pause.
        roundsSinceRenewal += 1
        let renewing = roundsSinceRenewal >= Self.renewalRounds || renewSoon
        if renewing {
            roundsSinceRenewal = 0
            renewSoon = false
        }
        for seed in seeds.registered where renewing {
            if case .registered(_?) = seeds[seed], let id = seedConnections.removeValue(forKey: seed) {
                // No answer since the last renewal: the connection is stuck. A fresh one is not.
                roles[id] = nil
                actions.append(.close(id))
                log("Seed \(seed) did not answer the last renewal; reconnecting", &actions)
            }
            seeds[seed] = .registered(renewalSentAt: now.instant)
            send(.register(address), toSeed: seed, actions: &actions)
        }
        for seed in seeds.rejoining {
            guard case .rejoining(let lostAt) = seeds[seed] else { continue }
            if now.instant - lostAt < rejoinGrace {
                ask(seed, now: now, lostAt: lostAt, actions: &actions)
            } else {
                backOff(seed, now: now, actions: &actions)
                log("Seed \(seed) stayed away for \(rejoinGrace); registering with another seed", &actions)
            }
        }
        while seeds.committed < seeds.quorum, askNextSeed(now: now, actions: &actions) {}
    }

    /// Gives up on seeds that took longer than a liveness interval to answer.
    mutating func expireRegistrations(now: Now, actions: inout [Action]) {
        for seed in seeds.asked {
            guard case .asked(let since, _) = seeds[seed], now.instant - since >= settings.livenessInterval else { continue }
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
        let told = seeds.order.filter { seedConnections[$0] != nil }
        for seed in told { send(.leave(address), toSeed: seed, actions: &actions) }
        for link in links { actions.append(.send(link.connection, .leave(address))) }
        log("Leaving: told \(told.count) seeds and \(links.count) neighbours", &actions)
    }
}
