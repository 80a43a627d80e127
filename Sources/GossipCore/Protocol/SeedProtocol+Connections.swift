/// Who may hold a connection to a seed, and for how long (docs/PROTOCOL.md, "Seed
/// connections"): a seed serves ten thousand peers, each keeping one connection, so a
/// connection is a resource an outsider must not be able to hoard.
///
/// - At most `settings.maxConnectionsPerHost` inbound connections from one host; more are
///   answered `Error:...; try later` and closed at once.
/// - A connection that has not registered within `settings.identifyTimeout` of opening (or of
///   its last query) is closed, with the reason in the log. A registered peer's connection
///   has no deadline: renewals and the membership rules watch it.
/// - Refusals that repeat are summarised in the log (`RefusalSummary`), not logged each time.
///
/// Each of these costs O(1) per connection: the deadlines are a FIFO queue
/// (`ConnectionDeadlines`), the counts a dictionary per host.
extension SeedProtocol {
    mutating func accepted(_ id: ConnectionID, from remote: NodeAddress, now: Now, actions: inout [Action]) {
        let open = connectionsPerHost[remote.host, default: 0]
        if open >= settings.maxConnectionsPerHost {
            let why = "too many connections from \(remote.host) (\(settings.maxConnectionsPerHost)); try later"
            actions.append(.send(id, .error(why)))
            actions.append(.close(id))
            noteRefusal(
                "connections refused from \(remote.host): over its limit",
                event: .connectionRefused(remote: remote, reason: why, quietFor: SeedSettings.refusalSummaryInterval),
                now: now, actions: &actions)
            return
        }
        connectionsPerHost[remote.host] = open + 1
        remotes[id] = remote
        watch(id, now: now, actions: &actions)
        log(.connectionOpened(remote: remote), &actions)
    }

    /// A connection's registration ended (it left, expired, or its probe failed) while the
    /// connection stays open: it is unidentified again, and has a deadline again.
    mutating func unregistered(_ id: ConnectionID, now: Now, actions: inout [Action]) {
        registeredOn[id] = nil
        guard remotes[id] != nil else { return }
        watch(id, now: now, actions: &actions)
    }

    /// Gives `id` its deadline (an unidentified inbound connection, or a join probe).
    mutating func watch(_ id: ConnectionID, now: Now, actions: inout [Action]) {
        deadlines.watch(id, now: now.instant)
        armDeadlines(now: now, actions: &actions)
    }

    /// The seed is done with an inbound connection (it closed, or the seed closed it): every
    /// trace of it goes, and its host's count drops.
    mutating func forgetConnection(_ id: ConnectionID) {
        deadlines.forget(id)
        registeredOn[id] = nil
        guard let remote = remotes.removeValue(forKey: id) else { return }
        let left = connectionsPerHost[remote.host, default: 1] - 1
        connectionsPerHost[remote.host] = left > 0 ? left : nil
    }

    /// Logs a refusal the first time its kind (`key`) is seen in an interval; afterwards only
    /// counts it, and the count is logged when the interval ends (`deadlinesDue`).
    mutating func noteRefusal(_ key: String, event: @autoclosure () -> NodeEvent, now: Now, actions: inout [Action]) {
        if refusals.note(key, now: now.instant) { log(event(), &actions) }
        armDeadlines(now: now, actions: &actions)
    }

    /// Arms `.connectionDeadlines` for the first deadline or the end of the refusal summary's
    /// interval, unless it is armed for sooner already.
    mutating func armDeadlines(now: Now, actions: inout [Action]) {
        let candidates = [deadlines.nextWake, refusals.intervalEnd].compactMap { $0 }
        // A deadline that passed while another timer's handler ran is due at once, never in the past.
        guard let due = candidates.min() else { return }
        let next = max(due, now.instant + .nanoseconds(1))
        if let armed = deadlinesArmedAt, armed > now.instant, armed <= next { return }
        deadlinesArmedAt = next
        actions.append(.schedule(.connectionDeadlines, at: next))
    }

    /// At most this many connections closed for their deadline are named in the log per
    /// wake-up; the rest are counted in one line.
    static let namedExpiriesPerWake = 16

    /// `.connectionDeadlines` fired: closes the unidentified connections whose time is up,
    /// gives up the join probes that took too long, logs the refusal counts of the interval.
    mutating func deadlinesDue(now: Now, actions: inout [Action]) {
        let timeout = settings.identifyTimeout.secondsText
        var unnamed = 0
        var named = 0
        for id in deadlines.popExpired(now: now.instant) {
            if let probe = probes[id], probe.joining {
                _ = endProbe(id)
                actions.append(.close(id))
                joinFailed(probe.peer, why: "no answer within \(timeout)", now: now, actions: &actions)
                continue
            }
            guard let remote = remotes[id], registeredOn[id] == nil else { continue }
            actions.append(.send(id, .error("no registration within \(timeout); closing the connection")))
            actions.append(.close(id))
            forgetConnection(id)
            if named < Self.namedExpiriesPerWake {
                named += 1
                log(.unregisteredClosed(remote: remote, timeout: settings.identifyTimeout), &actions)
            } else {
                unnamed += 1
            }
        }
        if unnamed > 0 {
            log(.unregisteredClosedMore(count: unnamed, timeout: settings.identifyTimeout), &actions)
        }
        for (key, count) in refusals.due(now: now.instant) where count > 0 {
            log(.refusalsCounted(interval: SeedSettings.refusalSummaryInterval, count: count, what: key), &actions)
        }
        startJoinProbes(now: now, actions: &actions)
        armDeadlines(now: now, actions: &actions)
    }
}
