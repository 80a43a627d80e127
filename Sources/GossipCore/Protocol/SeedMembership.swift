/// A seed's members: who is listed, in which state, and on which connection each registered.
///
/// The rules (docs/PROTOCOL.md, "Membership"), after SWIM's suspicion and Serf's soft state:
/// - a new registration is *joining* until the peer answers the seed's probe on the address it
///   claims; only then is it listed (handed out to others) as alive, and a failed probe
///   forgets it without a trace;
/// - every renewal says a listed peer is still there;
/// - an accusation (a `Dead Node:` report, the registration's connection closing, or a long
///   silence) only makes it *suspect*;
/// - a suspect is dropped as dead on strong evidence (a probe's connection refused: nothing
///   listens on its port), or once it has been suspect, silent and unanswering for the
///   suspicion timeout; anything heard from it first (a renewal, a probe's answer) clears it.
///
/// A value type with no I/O: `SeedProtocol` asks it what to do and carries it out.
public struct SeedMembership: Sendable {
    /// Why a peer is suspect, and what the seed is doing about it.
    public struct Suspicion: Sendable, Equatable {
        public var since: Instant
        /// Distinct accusers, the seed itself included when the accusation is its own.
        public var accusers: [NodeAddress]
        public var reason: String
        /// When the last probe was started (nil: none yet).
        public var lastProbe: Instant?
    }

    public enum Status: Sendable, Equatable {
        /// Registered, not yet verified: the seed's probe of its address has not answered yet.
        /// Not listed, not handed out, not checked; it counts against `maxPeers`.
        case joining(since: Instant)
        case alive
        case suspect(Suspicion)
    }

    public struct Record: Sendable {
        /// The connection the current registration came on: its incarnation. Closing an older
        /// connection says nothing of a peer that registered again on a newer one.
        public var connection: ConnectionID?
        /// When the seed last heard from the peer itself (a registration or its renewal, a
        /// probe's answer).
        public var lastHeard: Instant
        /// When the peer last registered or renewed: only that keeps a registration.
        public var lastRenewed: Instant
        public var status: Status
    }

    /// The listed peers: verified, alive or suspect. Joining ones are only in `records`.
    public private(set) var registry = PeerRegistry()
    public private(set) var records: [NodeAddress: Record] = [:]
    /// Recently dropped peers, oldest first, for `Members:` (`dead` or `left`).
    public private(set) var departures: [(address: NodeAddress, state: Member.State, at: Instant)] = []
    /// The rows of `Members:`, sorted; nil when a change made them stale.
    private var sortedRows: [Member]?

    public init() {}

    public var count: Int { registry.count }

    /// Every registration held, joining ones included: what `maxPeers` bounds.
    public var recordCount: Int { records.count }

    public func isJoining(_ peer: NodeAddress) -> Bool {
        if case .joining = records[peer]?.status { true } else { false }
    }

    public func status(of peer: NodeAddress) -> Status? { records[peer]?.status }

    public enum Registration: Equatable, Sendable {
        /// New (or back after it was dropped): joining until its probe is answered.
        case new
        /// Joining already: its probe has not answered yet.
        case joining
        /// Listed already: a renewal.
        case renewed
        /// Listed and suspect: its own registration proves it alive.
        case refuted
    }

    /// Takes a registration of `peer` on `connection`: a new one joins (unlisted until
    /// `verify`), a listed one is renewed (and cleared of any suspicion).
    public mutating func register(_ peer: NodeAddress, on connection: ConnectionID, now: Instant) -> Registration {
        switch records[peer]?.status {
        case nil:
            records[peer] = Record(connection: connection, lastHeard: now, lastRenewed: now, status: .joining(since: now))
            sortedRows = nil
            return .new
        case .joining:
            records[peer]?.connection = connection
            return .joining
        case .alive:
            records[peer] = Record(connection: connection, lastHeard: now, lastRenewed: now, status: .alive)
            return .renewed
        case .suspect:
            records[peer] = Record(connection: connection, lastHeard: now, lastRenewed: now, status: .alive)
            sortedRows = nil
            return .refuted
        }
    }

    /// A joining peer answered on its address: listed from now on, as alive. False when it
    /// was not joining (gone meanwhile, or listed already).
    public mutating func verify(_ peer: NodeAddress, now: Instant) -> Bool {
        guard var record = records[peer], case .joining = record.status else { return false }
        record.status = .alive
        record.lastHeard = now
        records[peer] = record
        registry.insert(peer)
        departures.removeAll { $0.address == peer }
        sortedRows = nil
        return true
    }

    /// Forgets a joining peer (its probe failed, or its connection closed first): it was never
    /// listed, so it leaves no departure behind. False when it was not joining.
    @discardableResult
    public mutating func forgetJoining(_ peer: NodeAddress) -> Bool {
        guard isJoining(peer) else { return false }
        records[peer] = nil
        sortedRows = nil
        return true
    }

    /// The peer showed it is alive (a probe's answer). True when that cleared a suspicion.
    @discardableResult
    public mutating func heard(from peer: NodeAddress, now: Instant) -> Bool {
        guard var record = records[peer], !isJoining(peer) else { return false }
        record.lastHeard = now
        let wasSuspect = record.status != .alive
        record.status = .alive
        records[peer] = record
        if wasSuspect { sortedRows = nil }
        return wasSuspect
    }

    public enum Accusation: Equatable, Sendable {
        case notListed
        /// Alive until now; suspect from now.
        case nowSuspect
        /// Suspect already; this many distinct accusers now.
        case stillSuspect(accusers: Int)
    }

    /// `accuser` says `peer` is dead (or the seed itself has a reason to think so).
    public mutating func accuse(_ peer: NodeAddress, by accuser: NodeAddress, reason: String, now: Instant) -> Accusation {
        guard var record = records[peer] else { return .notListed }
        switch record.status {
        case .joining:
            return .notListed
        case .alive:
            record.status = .suspect(Suspicion(since: now, accusers: [accuser], reason: reason, lastProbe: nil))
            records[peer] = record
            sortedRows = nil
            return .nowSuspect
        case .suspect(var suspicion):
            if !suspicion.accusers.contains(accuser) { suspicion.accusers.append(accuser) }
            record.status = .suspect(suspicion)
            records[peer] = record
            return .stillSuspect(accusers: suspicion.accusers.count)
        }
    }

    /// Unlists `peer`, remembering why for a while. False when it was not listed (a joining
    /// peer is forgotten, and false too).
    @discardableResult
    public mutating func remove(_ peer: NodeAddress, as state: Member.State, now: Instant) -> Bool {
        if forgetJoining(peer) { return false }
        guard records.removeValue(forKey: peer) != nil else { return false }
        registry.remove(peer)
        departures.removeAll { $0.address == peer }
        departures.append((peer, state, now))
        if departures.count > SeedSettings.maxDepartures { departures.removeFirst(departures.count - SeedSettings.maxDepartures) }
        sortedRows = nil
        return true
    }

    /// The connection `peer` registered on, if it is listed.
    public func connection(of peer: NodeAddress) -> ConnectionID? { records[peer]?.connection }

    /// What the periodic check finds to do.
    public enum Decision: Equatable, Sendable {
        /// Suspect, silent and unanswering for the suspicion timeout: drop it as dead.
        case confirmDead(NodeAddress, Suspicion)
        /// Suspect: start another probe.
        case probe(NodeAddress)
        /// Alive, but no renewal for the silence limit: the seed suspects it itself.
        case silent(NodeAddress, since: Instant)
        /// No renewal for the registration lifetime: unlisted, dead or not.
        case expired(NodeAddress, since: Instant)
    }

    /// Looks at every member; marks the probes it asks for as started. In address order, so a
    /// run is a function of its inputs.
    public mutating func check(now: Instant, settings: SeedSettings) -> [Decision] {
        var decisions: [Decision] = []
        for peer in records.keys.sorted() {
            guard var record = records[peer] else { continue }
            if case .joining = record.status { continue }  // Its probe decides, within a bound.
            if now - record.lastRenewed >= settings.registrationLifetime {
                decisions.append(.expired(peer, since: record.lastRenewed))
                continue
            }
            switch record.status {
            case .joining:
                break
            case .alive:
                if now - record.lastHeard >= settings.silenceLimit { decisions.append(.silent(peer, since: record.lastHeard)) }
            case .suspect(var suspicion):
                if now - suspicion.since >= settings.suspicionTimeout, now - record.lastHeard >= settings.suspicionTimeout {
                    decisions.append(.confirmDead(peer, suspicion))
                } else if suspicion.lastProbe.map({ now - $0 >= settings.checkInterval }) ?? true {
                    suspicion.lastProbe = now
                    record.status = .suspect(suspicion)
                    records[peer] = record
                    decisions.append(.probe(peer))
                }
            }
        }
        if let oldest = departures.first, now - oldest.at >= settings.departureRetention {
            departures.removeAll { now - $0.at >= settings.departureRetention }
            sortedRows = nil
        }
        return decisions
    }

    /// When the next `check` can find something to do: a suspect's next probe or verdict, the
    /// first listed peer to reach the silence limit, the oldest departure to forget; nil when
    /// there is nothing to watch. An idle seed's cost is its wake-ups: with peers renewing every
    /// interval this is about one every two intervals, not two an interval.
    public func nextCheck(now: Instant, settings: SeedSettings) -> Instant? {
        var next: Instant?
        func consider(_ candidate: Instant) { next = next.map { min($0, candidate) } ?? candidate }
        for record in records.values {
            if case .joining = record.status { continue }
            consider(record.lastRenewed + settings.registrationLifetime)
            switch record.status {
            case .joining: break
            case .alive: consider(record.lastHeard + settings.silenceLimit)
            case .suspect: consider(now + settings.checkInterval)
            }
        }
        if let oldest = departures.first { consider(oldest.at + settings.departureRetention) }
        // Never sooner than a check interval: a burst of renewals must not make a busy loop.
        return next.map { max($0, now + settings.checkInterval) }
    }

    /// Every member the seed knows, listed and recently departed, in address order.
    public mutating func rows() -> [Member] {
        if let sortedRows { return sortedRows }
        var rows = records.map { record -> Member in
            switch record.value.status {
            case .joining: Member(record.key, .joining)
            case .alive: Member(record.key, .alive)
            case .suspect: Member(record.key, .suspect)
            }
        }
        // A departed peer registering again is joining: one row, the current one (its
        // departure is kept until the new registration is verified, in case it is not).
        for departure in departures where records[departure.address] == nil {
            rows.append(Member(departure.address, departure.state))
        }
        rows.sort { $0.address < $1.address }
        sortedRows = rows
        return rows
    }
}
