/// Everything a peer is told at start. Defaults follow the specification: 10 messages, one
/// every 5 s, liveness checks every 13 s, dead after 3 misses.
public struct PeerSettings: Sendable, Equatable {
    /// The address this peer listens on and writes into its messages.
    public var address: NodeAddress
    /// The seeds from the config file.
    public var seeds: [NodeAddress]
    /// How many own messages to create (0: none; the peer only relays).
    public var messageCount = 10
    public var gossipInterval: Duration = .seconds(5)
    public var livenessInterval: Duration = .seconds(13)
    /// How long a liveness request waits for its reply before it counts as missed; nil: half
    /// the liveness interval. Must be shorter than the interval.
    public var livenessTimeout: Duration?
    /// Consecutive unanswered liveness requests after which a neighbour is reported dead.
    public var livenessMisses = 3
    /// How many neighbours this peer links to itself.
    public var maxLinks = 4
    /// How many links other peers may open to this one; more are refused with a reason.
    public var maxInboundLinks = 32
    /// How many of the messages taken before a link came up its neighbour is sent at most
    /// (the catch-up): enough for every message of a 300-peer run at `--messages 10`, so a
    /// peer that joins late misses nothing that is still in the log.
    public var syncLimit = 8_192
    /// The catch-up goes out this many messages at a time...
    public var syncChunk = 128
    /// ...one chunk to each neighbour catching up, every this long: about 12,800 messages a
    /// second per link, so a catch-up never fills a connection's output bound at once and
    /// never holds up a turn.
    public var syncPace: Duration = .milliseconds(10)
    /// Bound of the message log: at most this many messages...
    public var logCapacity = 65_536
    /// ...each kept at most this long.
    public var logRetention: Duration = .seconds(600)
    /// A gossip message timestamped more than this ahead of the peer's clock is refused: it
    /// would otherwise stay fresh, above every floor of the message log, for that much longer.
    public var maxClockSkew: Duration = .seconds(30)
    /// Origins the message log keeps an exact record for; past it the oldest is forgotten and
    /// messages from origins without a record must be newer than it (`SeenMessages`).
    public var maxOrigins = 16_384
    /// How long an inbound connection may take to say who it is (its first line: a
    /// `Link Request`, or a seed's probe), and a peer that linked to us to answer our probe
    /// on the address it claimed.
    public var identifyTimeout: Duration = .seconds(5)

    public init(address: NodeAddress, seeds: [NodeAddress]) {
        self.address = address
        self.seeds = seeds
    }

    public var effectiveLivenessTimeout: Duration { livenessTimeout ?? livenessInterval / 2 }

    /// Checks the invariants the protocol relies on; the error names the option.
    public func validate() throws(SettingsError) {
        if seeds.isEmpty { throw SettingsError(option: "--config", problem: "lists no seeds") }
        if messageCount < 0 { throw SettingsError(option: "--messages", problem: "must be 0 or more") }
        if gossipInterval <= .zero { throw SettingsError(option: "--gossip-interval", problem: "must be greater than 0") }
        if livenessInterval <= .zero { throw SettingsError(option: "--liveness-interval", problem: "must be greater than 0") }
        if let livenessTimeout, livenessTimeout <= .zero || livenessTimeout >= livenessInterval {
            throw SettingsError(
                option: "--liveness-timeout", problem: "must be greater than 0 and shorter than --liveness-interval")
        }
        if livenessMisses < 1 { throw SettingsError(option: "--liveness-misses", problem: "must be at least 1") }
        if maxLinks < 1 { throw SettingsError(option: "--max-links", problem: "must be at least 1") }
        if maxInboundLinks < 1 { throw SettingsError(option: "--max-inbound", problem: "must be at least 1") }
        if maxClockSkew < .zero { throw SettingsError(option: "--max-clock-skew", problem: "must be 0 or more") }
        if identifyTimeout <= .zero { throw SettingsError(option: "--identify-timeout", problem: "must be greater than 0") }
        if maxOrigins < 1 { throw SettingsError(option: "maxOrigins", problem: "must be at least 1") }
        if logRetention <= livenessInterval * livenessMisses {
            throw SettingsError(
                option: "--liveness-interval", problem: "must be shorter than the message retention (600 s) divided by the misses"
            )
        }
    }
}

/// A setting that breaks an invariant, naming the option to fix.
public struct SettingsError: Error, Equatable, Sendable, CustomStringConvertible {
    public var option: String
    public var problem: String

    public init(option: String, problem: String) {
        self.option = option
        self.problem = problem
    }

    public var description: String { "\(option) \(problem)" }
}
