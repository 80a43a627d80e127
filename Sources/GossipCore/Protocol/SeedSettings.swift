/// Everything a seed is told at start. Its timings derive from the peers' liveness interval,
/// which seeds and peers of one network are given alike (the specification's 13 s by default):
/// peers renew their registration once an interval, so a seed knows how long "silent" is.
public struct SeedSettings: Sendable, Equatable {
    /// The address this seed listens on.
    public var address: NodeAddress
    /// The peers' liveness interval: how often they renew their registration.
    public var livenessInterval: Duration = .seconds(13)
    /// How many peers the seed lists at most; registrations past it are refused with a reason.
    public var maxPeers = 100_000
    /// How long a connection may stay without registering (or idle after its last query)
    /// before it is closed; also how long a new registration's probe may take. A peer sends
    /// `Register` as soon as its connection is open, so a few seconds is generous; a client
    /// that says nothing cannot hold a connection (and a file descriptor) for longer.
    public var identifyTimeout: Duration = .seconds(5)
    /// Open inbound connections from one host at most; more are refused with `Error:`. Every
    /// peer keeps one connection to each of its seeds, so a host running k peers needs k: the
    /// default lets about a thousand peers share one machine (`cluster --peers 300` on
    /// 127.0.0.1 included) while one host can take no more than about a twentieth of a seed's
    /// descriptors.
    public var maxConnectionsPerHost = 1024

    public init(address: NodeAddress) { self.address = address }

    /// A suspect is dropped only after it has been suspect this long, silent this long, and
    /// has answered no probe: three intervals, the time a peer takes to count three misses.
    public var suspicionTimeout: Duration { livenessInterval * 3 }
    /// A listed peer that has not renewed its registration for this long becomes suspect by
    /// the seed's own account (peers renew every other interval: two renewals missed). It is
    /// dropped only after three more intervals without a word or a probe's answer: a peer that
    /// is cut off is dropped about seven intervals after it went silent, reported or not, and
    /// about six and a half when its neighbours report it.
    public var silenceLimit: Duration { livenessInterval * 4 }
    /// A registration not renewed for this long expires, alive or not: registration is soft
    /// state, and a probe's answer proves a peer alive, not registered here (a peer whose
    /// `Register` arrived after it had given up on this seed would otherwise stay listed by a
    /// seed it does not renew with). Three renewals missed (peers renew every other interval).
    public var registrationLifetime: Duration { livenessInterval * 6 }
    /// How often the seed looks at its members and probes each suspect.
    public var checkInterval: Duration { livenessInterval / 2 }
    /// How long a probe may take before another one is started beside it.
    public var probeTimeout: Duration { livenessInterval }
    /// How long a dead or departed peer stays visible in `Members:` (as `dead` or `left`).
    public var departureRetention: Duration { livenessInterval * 60 }
    /// At most this many departures are remembered.
    public static let maxDepartures = 1024
    /// At most this many probes are in flight for one suspect.
    public static let maxProbesPerSuspect = 3
    /// At most this many new registrations are probed at once; the others wait their turn in
    /// arrival order. Each probe is a connection of the seed's own: ten thousand peers
    /// registering at once must not take ten thousand more descriptors.
    public static let maxJoinProbes = 64
    /// At most this many suspects' probes are in flight at once. When ten thousand peers'
    /// connections close together (the seed's own network blinked), each becomes suspect; their
    /// probes go out this many at a time, the rest at the next checks (every half interval).
    /// A live suspect clears itself by renewing meanwhile; a dead one is dropped after the
    /// suspicion timeout, probed or not.
    public static let maxSuspectProbes = 128
    /// A refusal repeated within this time (the same kind, from the same host) is counted, not
    /// logged again; the count is logged when the time is up.
    public static let refusalSummaryInterval: Duration = .seconds(10)

    /// Checks the invariants the protocol relies on; the error names the option.
    public func validate() throws(SettingsError) {
        if livenessInterval <= .zero { throw SettingsError(option: "--liveness-interval", problem: "must be greater than 0") }
        if maxPeers < 1 { throw SettingsError(option: "--max-peers", problem: "must be at least 1") }
        if identifyTimeout <= .zero { throw SettingsError(option: "--identify-timeout", problem: "must be greater than 0") }
        if maxConnectionsPerHost < 1 {
            throw SettingsError(option: "--max-connections-per-host", problem: "must be at least 1")
        }
    }
}
