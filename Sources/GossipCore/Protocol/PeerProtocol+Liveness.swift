/// Liveness: every liveness interval each neighbour is sent a request, and the replies are
/// checked when the reply time-out ends; after `livenessMisses` consecutive requests without a
/// reply the neighbour is reported dead to the seeds, its link closed and the neighbour dropped.
///
/// The report goes to the seeds this peer is registered with ("its seeds"): a seed takes reports
/// only from peers it lists, on the connection they registered on. A seed the dead peer
/// registered with and this one did not finds out by itself: the dead peer's connection closes,
/// or its renewals stop (docs/PROTOCOL.md, "Membership").
extension PeerProtocol {
    /// A timer that fires this much later than asked means the process was not running (a
    /// SIGSTOP, a stalled machine): what it did not see meanwhile is not its neighbours' fault.
    var pauseThreshold: Duration { settings.livenessInterval / 2 }

    /// A round of liveness requests. `early`: run ahead of the timer, together with the answer
    /// to a neighbour's request (see `joinRoundToRequest`).
    mutating func livenessTimerFired(now: Now, early: Bool = false, actions: inout [Action]) {
        if !early, let due = nextRoundAt, now.instant - due >= pauseThreshold {
            wokeUp(late: now.instant - due, actions: &actions)
        }
        // After a round joined to a neighbour's request, the timer waits an eighth of an
        // interval longer than the interval, so that the neighbour's next request (due one
        // interval on) comes first and takes this round along again: the rounds stay in step
        // with it. Should the neighbour stop, the round is an eighth late once.
        let next = now.instant + settings.livenessInterval + (early ? settings.livenessInterval / 8 : .zero)
        nextRoundAt = next
        actions.append(.schedule(.liveness, at: next))
        messageLog.expire(now: now)
        textLog.expire(now: now)
        renewRegistrations(now: now, actions: &actions)
        expireDials(now: now, actions: &actions)
        verifyUnverified(now: now, actions: &actions)
        retryUndeliveredReports(now: now, actions: &actions)
        for peer in neighbourOrder {
            // Only a verified neighbour is monitored (`PeerProtocol+Verification`).
            guard let neighbour = neighbours[peer], neighbour.verified else { continue }
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
        if neighbours.values.contains(where: \.verified) {
            let due = now.instant + settings.effectiveLivenessTimeout
            actions.append(.schedule(.livenessTimeout, at: due))
            replyTimeoutArmed = true
            replyDueAt = due
        }
        dialNextCandidates(now: now, actions: &actions)
    }

    /// The replies to this round's requests are due: count the missing ones.
    ///
    /// Local health, after Lifeguard: a peer that hears from none of several neighbours is
    /// more likely cut off (or was paused) than surrounded by the dead, so such a round counts
    /// no misses, except against neighbours whose hosts refused a dial (strong evidence). It
    /// replaces its links instead: after a partition heals, fresh connections get through at
    /// once, while the old ones wait out TCP's backed-off retransmissions.
    mutating func livenessTimeoutFired(now: Now, actions: inout [Action]) {
        replyTimeoutArmed = false
        if let due = replyDueAt, now.instant - due >= pauseThreshold {
            wokeUp(late: now.instant - due, actions: &actions)
            return
        }
        let awaiting = neighbourOrder.filter { neighbours[$0]?.liveness.awaitingReply == true }
        if awaiting.count >= 2, awaiting.count == neighbours.values.count(where: \.verified) {
            log(.roundUnanswered, &actions)
            renewSoon = true
            for peer in awaiting {
                guard var neighbour = neighbours[peer] else { continue }
                if neighbour.refused {
                    let dead = neighbour.liveness.replyTimeoutElapsed()
                    neighbours[peer] = neighbour
                    if dead { reportDead(peer, neighbour: neighbour, now: now, actions: &actions) }
                    continue
                }
                neighbour.liveness.forgive()
                if let id = neighbour.connection {
                    roles[id] = nil
                    actions.append(.close(id))
                    neighbour.connection = nil
                }
                neighbours[peer] = neighbour
            }
            linksChanged()
            return
        }
        for peer in neighbourOrder {
            guard var neighbour = neighbours[peer] else { continue }
            let dead = neighbour.liveness.replyTimeoutElapsed()
            neighbours[peer] = neighbour
            if dead { reportDead(peer, neighbour: neighbour, now: now, actions: &actions) }
        }
        dialNextCandidates(now: now, actions: &actions)
    }

    /// The process was not running for a while: forgive every neighbour what it missed, and
    /// renew with the seeds now (they may have dropped us meanwhile).
    mutating func wokeUp(late: Duration, actions: inout [Action]) {
        log(.wokeLate(late.toMilliseconds), &actions)
        renewSoon = true
        for peer in neighbourOrder { neighbours[peer]?.liveness.forgive() }
    }

    /// Sends again the `Dead Node` reports a seed could not be given, while they are younger
    /// than `reportLifetime`; an older one is dropped: a late report is only noise.
    mutating func retryUndeliveredReports(now: Now, actions: inout [Action]) {
        guard !undeliveredReports.isEmpty else { return }
        let waiting = undeliveredReports
        undeliveredReports = []
        for report in waiting {
            let message = Message.deadNode(dead: report.dead, timestamp: report.timestamp, reporter: address)
            guard now.instant - report.madeAt < reportLifetime else {
                log(.reportDropped(seed: report.seed, report: message.encoded), &actions)
                continue
            }
            guard neighbours[report.dead] == nil else { continue }  // Linked again since: not dead.
            log(.reportResent(seed: report.seed, report: message.encoded), &actions)
            send(message, toSeed: report.seed, actions: &actions)
        }
    }

    /// An idle node's cost is its wake-ups. A neighbour's request that comes in the second
    /// half of our interval takes our own round along: our requests leave with the reply, in
    /// the same wake-up, and the neighbour gets both in one. Half, not less: of two neighbours
    /// one always hears the other in its second half, so every pair falls into step (with a
    /// quarter, a pair 0.3 of an interval apart never did, and woke 3.5 times a second at 1 s
    /// instead of 2). Rounds come at most an interval plus an eighth apart and at least half
    /// of one.
    mutating func joinRoundToRequest(now: Now, actions: inout [Action]) {
        // Not while the last round's replies are still due: its time-out must count them first.
        guard !replyTimeoutArmed, let next = nextRoundAt, next - now.instant <= settings.livenessInterval / 2,
            next > now.instant
        else { return }
        livenessTimerFired(now: now, early: true, actions: &actions)
    }

    func isDialling(_ peer: NodeAddress) -> Bool {
        roles.values.contains { if case .dialling(let p, _) = $0 { return p == peer } else { return false } }
    }

    mutating func reportDead(_ peer: NodeAddress, neighbour: Neighbour, now: Now, actions: inout [Action]) {
        let report = Message.deadNode(dead: peer, timestamp: now.wall, reporter: address)
        log(.reportingDead(peer, misses: neighbour.liveness.misses, report: report.encoded), &actions)
        deadReportsSent += 1
        for seed in registeredSeeds { send(report, toSeed: seed, actions: &actions) }
        if let id = neighbour.connection {
            roles[id] = nil
            actions.append(.close(id))
        }
        forget(peer, actions: &actions)
    }
}
