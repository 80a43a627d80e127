import GossipCore

/// What both node programs take: where to listen, where to log, how to seed their choices.
public struct NodeOptions: Equatable, Sendable {
    public var port: UInt16?
    public var host: NodeAddress.Host = .loopback
    public var logDirectory = "logs"
    public var rngSeed: UInt64?
    /// A file holding the cluster's shared secret (docs/PROTOCOL.md, "Cluster key").
    public var clusterKeyFile: String?

    public init() {}

    /// Reads `option` if it is one of these; false when it is not.
    mutating func take(_ option: String, from reader: inout ArgumentReader) throws(UsageError) -> Bool {
        switch option {
        case "--port": port = try reader.port(for: option)
        case "--host": host = try reader.host(for: option)
        case "--log-dir": logDirectory = try reader.value(for: option)
        case "--rng-seed": rngSeed = UInt64(try reader.integer(for: option, in: 0...Int.max))
        case "--cluster-key-file": clusterKeyFile = try reader.value(for: option)
        default: return false
        }
        return true
    }
}

/// The seed's command line: `seed [--port N] [--host ADDR] [--log-dir DIR]`.
@dynamicMemberLookup
public struct SeedOptions: Equatable, Sendable {
    public var node = NodeOptions()

    public subscript<T>(dynamicMember path: WritableKeyPath<NodeOptions, T>) -> T {
        get { node[keyPath: path] }
        set { node[keyPath: path] = newValue }
    }

    /// The peers' liveness interval (nil: the specification's 13 s): peers renew their
    /// registration once an interval, so the seed's checks are paced by it.
    public var livenessInterval: Duration?
    /// The most peers this seed lists (nil: 100,000).
    public var maxPeers: Int?

    public static let usage = """
        usage: seed [--port N] [--host ADDR] [--log-dir DIR] [--rng-seed N] [--liveness-interval D] [--max-peers N]
                    [--cluster-key-file FILE]
          --liveness-interval D  the peers' liveness interval (default 13s): paces renewals and checks
          --max-peers N          the most peers listed (default 100000); more registrations are refused
          --cluster-key-file F   take lines only from nodes proving this shared secret (mode 600, 32+ bytes)
        """

    public init() {}

    public init(parsing arguments: [String]) throws(UsageError) {
        var reader = ArgumentReader(arguments)
        while let option = try reader.nextOption() {
            switch option {
            case "--liveness-interval": livenessInterval = try reader.duration(for: option)
            case "--max-peers": maxPeers = try reader.integer(for: option, in: 1...10_000_000)
            default:
                guard try node.take(option, from: &reader) else { throw UsageError("unknown option \(option)") }
            }
        }
    }

    /// The protocol settings for a seed at `address`; the error names the option.
    public func settings(address: NodeAddress) throws(UsageError) -> SeedSettings {
        var settings = SeedSettings(address: address)
        if let livenessInterval { settings.livenessInterval = livenessInterval }
        if let maxPeers { settings.maxPeers = maxPeers }
        do { try settings.validate() } catch { throw UsageError(error.description) }
        return settings
    }
}

/// The peer's command line. Timing options are shared with `cluster`, which passes them on.
@dynamicMemberLookup
public struct PeerOptions: Equatable, Sendable {
    public var node = NodeOptions()
    public var configPath = "config.txt"
    public var timing = PeerTiming()

    public subscript<T>(dynamicMember path: WritableKeyPath<NodeOptions, T>) -> T {
        get { node[keyPath: path] }
        set { node[keyPath: path] = newValue }
    }

    public static let usage = """
        usage: peer [--port N] [--host ADDR] [--config FILE] [--log-dir DIR] [--messages N]
                    [--gossip-interval D] [--liveness-interval D] [--liveness-timeout D] [--liveness-misses N]
                    [--max-links N] [--max-inbound N] [--rng-seed N] [--cluster-key-file FILE]
          --cluster-key-file F   take lines only from nodes proving this shared secret (mode 600, 32+ bytes)
        """

    public init() {}

    public init(parsing arguments: [String]) throws(UsageError) {
        var reader = ArgumentReader(arguments)
        while let option = try reader.nextOption() {
            if option == "--config" {
                configPath = try reader.value(for: option)
            } else if try !node.take(option, from: &reader), try !timing.take(option, from: &reader) {
                throw UsageError("unknown option \(option)")
            }
        }
    }

    /// The settings for the protocol, once the listen address and the seeds are known.
    public func settings(address: NodeAddress, seeds: [NodeAddress]) throws(UsageError) -> PeerSettings {
        var settings = PeerSettings(address: address, seeds: seeds)
        timing.apply(to: &settings)
        do { try settings.validate() } catch { throw UsageError(error.description) }
        return settings
    }
}

/// The peer options that shape the protocol's behaviour (not where it runs).
public struct PeerTiming: Equatable, Sendable {
    public var messages: Int?
    public var gossipInterval: Duration?
    public var livenessInterval: Duration?
    public var livenessTimeout: Duration?
    public var livenessMisses: Int?
    public var maxLinks: Int?
    public var maxInbound: Int?

    public init() {}

    /// Reads `option` if it is a timing option; false when it is not one.
    public mutating func take(_ option: String, from reader: inout ArgumentReader) throws(UsageError) -> Bool {
        switch option {
        case "--messages": messages = try reader.integer(for: option, in: 0...1_000_000_000)
        case "--gossip-interval": gossipInterval = try reader.duration(for: option)
        case "--liveness-interval": livenessInterval = try reader.duration(for: option)
        case "--liveness-timeout": livenessTimeout = try reader.duration(for: option)
        case "--liveness-misses": livenessMisses = try reader.integer(for: option, in: 1...1_000_000)
        case "--max-links": maxLinks = try reader.integer(for: option, in: 1...10_000)
        case "--max-inbound": maxInbound = try reader.integer(for: option, in: 1...10_000)
        default: return false
        }
        return true
    }

    /// The protocol settings these options give, for a node not placed yet (its address and
    /// seeds are placeholders): what `cluster` and the simulator use for the defaults.
    public var settings: PeerSettings {
        let placeholder = NodeAddress(host: .loopback, port: 1)
        var settings = PeerSettings(address: placeholder, seeds: [placeholder])
        apply(to: &settings)
        return settings
    }

    /// Checks the options' invariants before any node exists; the error names the option.
    public func validate() throws(UsageError) {
        do { try settings.validate() } catch { throw UsageError(error.description) }
    }

    public func apply(to settings: inout PeerSettings) {
        if let messages { settings.messageCount = messages }
        if let gossipInterval { settings.gossipInterval = gossipInterval }
        if let livenessInterval { settings.livenessInterval = livenessInterval }
        if let livenessTimeout { settings.livenessTimeout = livenessTimeout }
        if let livenessMisses { settings.livenessMisses = livenessMisses }
        if let maxLinks { settings.maxLinks = maxLinks }
        if let maxInbound { settings.maxInboundLinks = maxInbound }
    }

    /// What a seed of these peers is told: their liveness interval, which paces its checks
    /// (docs/PROTOCOL.md, "Membership"). Empty at the specification's default.
    public var seedArguments: [String] {
        livenessInterval.map { ["--liveness-interval", DurationText.format($0)] } ?? []
    }

    /// The options again, as a peer's command line takes them.
    public var arguments: [String] {
        var result: [String] = []
        if let messages { result += ["--messages", "\(messages)"] }
        if let gossipInterval { result += ["--gossip-interval", DurationText.format(gossipInterval)] }
        if let livenessInterval { result += ["--liveness-interval", DurationText.format(livenessInterval)] }
        if let livenessTimeout { result += ["--liveness-timeout", DurationText.format(livenessTimeout)] }
        if let livenessMisses { result += ["--liveness-misses", "\(livenessMisses)"] }
        if let maxLinks { result += ["--max-links", "\(maxLinks)"] }
        if let maxInbound { result += ["--max-inbound", "\(maxInbound)"] }
        return result
    }
}
