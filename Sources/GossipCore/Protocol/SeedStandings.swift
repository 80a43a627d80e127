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
        /// Asking failed (refused, unreachable, unanswered); not asked again before `retryAt`
        /// (`backoff`).
        case failed(retryAt: Instant)
    }

    /// All seeds, shuffled: the first `quorum` are asked, the rest are fallbacks.
    public private(set) var order: [NodeAddress] = []
    /// floor(n/2)+1.
    public private(set) var quorum = 0
    private var next = 0
    private var standings: [NodeAddress: Standing] = [:]
    /// Failures in a row per seed since it last registered us: the backoff's exponent.
    public private(set) var failures: [NodeAddress: Int] = [:]

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

    /// The earliest time a failed seed may be asked again (nil: none failed).
    public var nextRetry: Instant? {
        standings.values.compactMap { if case .failed(let at) = $0 { at } else { nil } }.min()
    }

    /// How long to wait before asking a seed again after `failures` failures in a row:
    /// exponential (`base`, doubled per failure, at most `cap`), with "equal jitter" (a uniform
    /// draw between half and all of it), so peers turned away together by a full seed do not
    /// come back together. After Amazon's "Exponential Backoff and Jitter".
    public static func backoff(failures: Int, base: Duration, cap: Duration, using rng: inout SeededRandom) -> Duration {
        let exponent = min(max(failures - 1, 0), 20)
        let full = min(base * (1 << exponent), cap)
        let nanos = full.wholeNanoseconds
        let half = nanos / 2
        return .nanoseconds(half + Int64.random(in: 0...(nanos - half), using: &rng))
    }

    /// Asking `seed` failed: it is not asked again before its backoff is over. Returns when.
    @discardableResult
    public mutating func fail(
        _ seed: NodeAddress, now: Instant, base: Duration, cap: Duration, using rng: inout SeededRandom
    ) -> Instant {
        let count = failures[seed, default: 0] + 1
        failures[seed] = count
        let at = now + Self.backoff(failures: count, base: base, cap: cap, using: &rng)
        standings[seed] = .failed(retryAt: at)
        return at
    }

    /// `seed` listed us: its next failure starts the backoff afresh.
    public mutating func succeeded(_ seed: NodeAddress) {
        failures[seed] = nil
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

    /// Failed seeds whose backoff is over may be asked again.
    public mutating func releaseDue(now: Instant) {
        standings = standings.filter { if case .failed(let at) = $0.value { at > now } else { true } }
    }
}
