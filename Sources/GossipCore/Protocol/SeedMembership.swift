/// A seed's members: who is listed, in which state, and on which connection each registered.
///
/// The rules (docs/PROTOCOL.md, "Membership"), after SWIM's suspicion and Serf's soft state:
/// - a registration lists a peer as alive, and every renewal says it is still there;
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

    public private(set) var registry = PeerRegistry()
    public private(set) var records: [NodeAddress: Record] = [:]
    /// Recently dropped peers, oldest first, for `Members:` (`dead` or `left`).
    public private(set) var departures: [(address: NodeAddress, state: Member.State, at: Instant)] = []
    /// The rows of `Members:`, sorted; nil when a change made them stale.
    private var sortedRows: [Member]?

    public init() {}

    public var count: Int { registry.count }

    public func status(of peer: NodeAddress) -> Status? { records[peer]?.status }

    public enum Registration: Equatable, Sendable {
        /// Listed now for the first time (or again after it was dropped).
        case new
        /// Listed already: a renewal.
        case renewed
        /// Listed and suspect: its own registration proves it alive.
        case refuted
    }

    /// Lists `peer` as alive, registered on `connection`.
    public mutating func register(_ peer: NodeAddress, on connection: ConnectionID, now: Instant) -> Registration {
        let outcome: Registration
        switch records[peer]?.status {
        case nil: outcome = .new
        case .alive: outcome = .renewed
        case .suspect: outcome = .refuted
        }
        if outcome == .new {
            registry.insert(peer)
            departures.removeAll { $0.address == peer }
        }
        if outcome != .renewed { sortedRows = nil }
        records[peer] = Record(connection: connection, lastHeard: now, lastRenewed: now, status: .alive)
        return outcome
    }

    /// The peer showed it is alive (a probe's answer). True when that cleared a suspicion.
    @discardableResult
    public mutating func heard(from peer: NodeAddress, now: Instant) -> Bool {
        guard var record = records[peer] else { return false }
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

    /// Unlists `peer`, remembering why for a while. False when it was not listed.
    @discardableResult
    public mutating func remove(_ peer: NodeAddress, as state: Member.State, now: Instant) -> Bool {
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
            if now - record.lastRenewed >= settings.registrationLifetime {
                decisions.append(.expired(peer, since: record.lastRenewed))
                continue
            }
            switch record.status {
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
            consider(record.lastRenewed + settings.registrationLifetime)
            switch record.status {
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
        var rows = records.map { Member($0.key, $0.value.status == .alive ? .alive : .suspect) }
        rows += departures.map { Member($0.address, $0.state) }
        rows.sort { $0.address < $1.address }
        sortedRows = rows
        return rows
    }
}
