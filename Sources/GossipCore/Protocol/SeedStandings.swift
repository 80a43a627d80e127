/// Where a peer stands with each seed: one value per seed, one enum case per phase, so that a
/// seed cannot be both "asked" and "registered", and every change of phase is one assignment.
///
/// The choice of seeds follows the specification (floor(n/2)+1 of them, in a random order);
/// what to do about each phase is `PeerProtocol+Registration`'s business. This type holds no
/// connections and does no I/O.
public struct SeedStandings: Sendable {
    public enum Standing: Sendable, Equatable {
        /// `Register` sent (or waiting for its connection), no list back yet. `lostAt`: this is
        /// an attempt to get back a seed we were registered with, lost at that time.
        case asked(since: Instant, lostAt: Instant?)
        /// Listed there. `renewalSentAt`: a renewal is out and not answered yet.
        case registered(renewalSentAt: Instant?)
        /// We were registered and lost it (restart, unlisted) at `lostAt`; asked again at the
        /// next round until `rejoinGrace` has passed.
        case rejoining(lostAt: Instant)
        /// Asking failed this round; not asked again before the next.
        case failed
    }

    /// All seeds, shuffled: the first `quorum` are asked, the rest are fallbacks.
    public private(set) var order: [NodeAddress] = []
    /// floor(n/2)+1.
    public private(set) var quorum = 0
    private var next = 0
    private var standings: [NodeAddress: Standing] = [:]

    public init() {}

    public mutating func choose(from seeds: [NodeAddress], using rng: inout SeededRandom) {
        order = SeedChoice.order(seeds, using: &rng)
        quorum = SeedChoice.quorum(of: order.count)
    }

    public subscript(seed: NodeAddress) -> Standing? {
        get { standings[seed] }
        set { standings[seed] = newValue }
    }

    /// Seeds that list us, in the shuffled order (so every walk is deterministic).
    public var registered: [NodeAddress] {
        order.filter { if case .registered = standings[$0] { true } else { false } }
    }

    /// Seeds asked and not answered yet, in the shuffled order.
    public var asked: [NodeAddress] {
        order.filter { if case .asked = standings[$0] { true } else { false } }
    }

    /// Seeds lost and waiting to be asked again, in the shuffled order.
    public var rejoining: [NodeAddress] {
        order.filter { if case .rejoining = standings[$0] { true } else { false } }
    }

    /// Seeds that list us, are being asked, or will be asked again: what counts toward the quorum.
    public var committed: Int {
        standings.values.count { if case .failed = $0 { false } else { true } }
    }

    /// The next seed in the shuffled order (wrapping round) that we have no standing with;
    /// nil when there is none.
    public mutating func nextUnasked() -> NodeAddress? {
        for _ in 0..<order.count {
            let seed = order[next % order.count]
            next += 1
            if standings[seed] == nil { return seed }
        }
        return nil
    }

    /// A new round: what failed last round may be asked again.
    public mutating func newRound() {
        standings = standings.filter { $0.value != .failed }
    }
}
