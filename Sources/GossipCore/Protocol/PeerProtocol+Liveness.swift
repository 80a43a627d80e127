/// Liveness: every liveness interval each neighbour is sent a request, and the replies are
/// checked when the reply time-out ends; after `livenessMisses` consecutive requests without a
/// reply the neighbour is reported dead to the seeds, its link closed and the neighbour dropped.
///
/// The report goes to every seed in the config file, not only the ones this peer registered
/// with: the dead peer may have registered with seeds this one did not, and each seed that
/// lists it must hear of its death.
extension PeerProtocol {
    /// A round of liveness requests. `early`: run ahead of the timer, together with the answer
    /// to a neighbour's request (see `joinRoundToRequest`).
    mutating func livenessTimerFired(now: Now, early: Bool = false, actions: inout [Action]) {
        // After a round joined to a neighbour's request, the timer waits an eighth of an
        // interval longer than the interval, so that the neighbour's next request (due one
        // interval on) comes first and takes this round along again: the rounds stay in step
        // with it. Should the neighbour stop, the round is an eighth late once.
        let next = now.instant + settings.livenessInterval + (early ? settings.livenessInterval / 8 : .zero)
        nextRoundAt = next
        actions.append(.schedule(.liveness, at: next))
        messageLog.expire(now: now.instant)
        expireRegistrations(now: now, actions: &actions)
        expireDials(now: now, actions: &actions)
        expireSilentInbound(now: now, actions: &actions)
        retryUndeliveredReports(actions: &actions)
        for peer in neighbourOrder {
            guard let neighbour = neighbours[peer] else { continue }
            neighbours[peer]?.liveness.requestSent()
            if let id = neighbour.connection {
                actions.append(.send(id, .livenessRequest(timestamp: now.wall, sender: address)))
            } else if !isDialling(peer) {
                // Both ends try to restore a lost link: if only the end that first dialled did,
                // a peer that had forgotten the link (restarted, or gave up on a slow answer)
                // would be reported dead by the other end while alive.
                dial(peer, now: now, actions: &actions)
            }
        }
        if !neighbourOrder.isEmpty {
            actions.append(.schedule(.livenessTimeout, at: now.instant + settings.effectiveLivenessTimeout))
            replyTimeoutArmed = true
        }
        dialNextCandidates(now: now, actions: &actions)
        refreshCandidatesIfShort(now: now, actions: &actions)
    }

    /// The replies to this round's requests are due: count the missing ones.
    mutating func livenessTimeoutFired(now: Now, actions: inout [Action]) {
        replyTimeoutArmed = false
        for peer in neighbourOrder {
            guard var neighbour = neighbours[peer] else { continue }
            let dead = neighbour.liveness.replyTimeoutElapsed()
            neighbours[peer] = neighbour
            if dead { reportDead(peer, neighbour: neighbour, now: now, actions: &actions) }
        }
        dialNextCandidates(now: now, actions: &actions)
    }

    /// Sends again the `Dead Node` reports a seed could not be given, up to
    /// `reportAttempts` tries each; a report still undelivered then is logged and dropped.
    mutating func retryUndeliveredReports(actions: inout [Action]) {
        guard !undeliveredReports.isEmpty else { return }
        let waiting = undeliveredReports
        undeliveredReports = [:]
        for seed in waiting.keys.sorted() {
            for report in waiting[seed]! {
                let key = "\(seed) \(report.encoded)"
                let tries = (reportTries[key] ?? 1) + 1
                guard tries <= Self.reportAttempts else {
                    reportTries[key] = nil
                    log("Gave up reporting to seed \(seed) after \(tries - 1) attempts: \(report.encoded)", &actions)
                    continue
                }
                reportTries[key] = tries
                log("Reporting again to seed \(seed): \(report.encoded)", &actions)
                send(report, toSeed: seed, actions: &actions)
                if let id = seedConnections[seed], case .seed(_, nil) = roles[id] { reportTries[key] = nil }  // Sent.
            }
        }
    }

    /// An idle node's cost is its wake-ups. A neighbour's request that comes in the last
    /// quarter of our interval takes our own round along: our requests leave with the reply,
    /// in the same wake-up, and the neighbour gets both in one. Rounds come at most an interval
    /// plus an eighth apart and at least three quarters of one.
    mutating func joinRoundToRequest(now: Now, actions: inout [Action]) {
        // Not while the last round's replies are still due: its time-out must count them first.
        guard !replyTimeoutArmed, let next = nextRoundAt, next - now.instant <= settings.livenessInterval / 4,
            next > now.instant
        else { return }
        livenessTimerFired(now: now, early: true, actions: &actions)
    }

    func isDialling(_ peer: NodeAddress) -> Bool {
        roles.values.contains { if case .dialling(let p, _) = $0 { return p == peer } else { return false } }
    }

    mutating func reportDead(_ peer: NodeAddress, neighbour: Neighbour, now: Now, actions: inout [Action]) {
        let report = Message.deadNode(dead: peer, timestamp: now.wall, reporter: address)
        log("Reporting \(report.encoded) (\(neighbour.liveness.misses) liveness requests unanswered)", &actions)
        for seed in settings.seeds { send(report, toSeed: seed, actions: &actions) }
        if let id = neighbour.connection {
            roles[id] = nil
            actions.append(.close(id))
        }
        neighbours[peer] = nil
        linksChanged()
        neighbourOrder.removeAll { $0 == peer }
        candidates.removeAll { $0 == peer }
    }
}
