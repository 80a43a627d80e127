/// Registration: ask floor(n/2)+1 seeds, chosen at random, to list us; take the union of the
/// peer lists they return. A seed that cannot be reached (or does not answer within one
/// liveness interval) is replaced by the next one in the shuffled order, so the peer still
/// registers with a quorum when some seeds are down.
extension PeerProtocol {
    mutating func startRegistration(now: Now, actions: inout [Action]) {
        seedOrder = SeedChoice.order(settings.seeds, using: &rng)
        let quorum = SeedChoice.quorum(of: seedOrder.count)
        log(
            "Registering with \(quorum) of \(seedOrder.count) seeds: \(LogEntry.describe(Array(seedOrder.prefix(quorum))))",
            &actions)
        for _ in 0..<quorum { askNextSeed(now: now, actions: &actions) }
    }

    /// Asks the next seed in the shuffled order; false when none is left.
    @discardableResult
    mutating func askNextSeed(now: Now, actions: inout [Action]) -> Bool {
        guard nextSeed < seedOrder.count else { return false }
        let seed = seedOrder[nextSeed]
        nextSeed += 1
        pendingRegistrations[seed] = now.instant
        send(.register(address), toSeed: seed, actions: &actions)
        return true
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
        log(.list("Peer list from seed \(seed): ", list), &actions)
        guard pendingRegistrations.removeValue(forKey: seed) != nil else {
            if refreshPending { refreshed(list, now: now, actions: &actions) }
            return
        }
        registeredSeeds.append(seed)
        // Gathered as they come; made a union (each address once) when registration ends.
        let own = address
        knownPeers.append(contentsOf: list.lazy.filter { $0 != own })
        registrationProgressed(now: now, actions: &actions)
    }

    mutating func seedConnectionLost(
        _ seed: NodeAddress, id: ConnectionID, unsent: [Message], why: String, now: Now, actions: inout [Action]
    ) {
        if seedConnections[seed] == id { seedConnections[seed] = nil }
        log("Connection to seed \(seed) \(why)", &actions)
        // A death report that never left must not be lost with the connection: try again later.
        for report in unsent {
            guard case .deadNode = report else { continue }
            undeliveredReports[seed, default: []].append(report)
        }
        // A refresh in flight on this connection will not be answered.
        refreshPending = false
        guard pendingRegistrations.removeValue(forKey: seed) != nil else { return }
        registrationFailed(seed, now: now, actions: &actions)
    }

    /// A seed we asked did not register us: try a fallback so a quorum still knows us.
    mutating func registrationFailed(_ seed: NodeAddress, now: Now, actions: inout [Action]) {
        if askNextSeed(now: now, actions: &actions) {
            log("Registration with seed \(seed) failed; trying seed \(seedOrder[nextSeed - 1]) instead", &actions)
        } else {
            log("Registration with seed \(seed) failed and no other seed is left to try", &actions)
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
}
