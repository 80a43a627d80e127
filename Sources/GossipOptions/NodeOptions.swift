import GossipCore

/// What both node programs take: where to listen, where to log, how to seed their choices.
public struct NodeOptions: Equatable, Sendable {
    public var port: UInt16?
    public var host: NodeAddress.Host = .loopback
    /// `--host` given as a name (`localhost`, `node1.lan`): the launcher resolves it into
    /// `host` at start (resolution is I/O, so it is not done while parsing).
    public var hostName: String?
    /// `--advertise`: the address other nodes should use for this one (written into its
    /// registration and messages, and the one its connections come from), when it listens on
    /// every interface (`--host 0.0.0.0`). An IP, or a name resolved at start.
    public var advertise: HostText?
    public var logDirectory = "logs"
    public var rngSeed: UInt64?
    /// A file holding the cluster's shared secret (docs/PROTOCOL.md, "Cluster key").
    public var clusterKeyFile: String?
    /// `--log-format`: how the log file and the console write events (docs/LOGS.md).
    public var logFormat: LogFormat = .human
    /// `--console-level`: the least level shown on the console; the file keeps every event.
    public var consoleLevel: EventLevel = .info
    /// `--control-dir`: where the control socket is made (nil: the default, which the runtime
    /// knows: `$XDG_RUNTIME_DIR/gossip` or `/tmp/gossip-<uid>`); `--no-control`: none at all.
    public var controlDirectory: String?
    public var control = true

    public init() {}

    /// The options every node takes, as `--help` shows them.
    public static let optionSpecs: [OptionSpec] = [
        OptionSpec("--port", "N", default: "asked on stdin", "port to listen on (0: any free port)"),
        OptionSpec(
            "--host", "ADDR", default: "127.0.0.1",
            "address to listen on: IPv4, IPv6 (::1), or a host name such as localhost, resolved at start; "
                + "0.0.0.0 listens on every interface"),
        OptionSpec(
            "--advertise", "ADDR", default: "the --host address",
            "the address other nodes should use for this one (an IP of this machine, or a name): written into "
                + "registrations and messages, and the one connections come from; a peer needs it with --host 0.0.0.0"),
        OptionSpec("--log-dir", "DIR", default: "logs", "where the log file (seedlog_<port>.txt, peerlog_<port>.txt) is written"),
        OptionSpec(
            "--log-format", "human|json", default: "human",
            "how the log file and the console write events: a line of text each, or a JSON object each (docs/LOGS.md)"),
        OptionSpec(
            "--console-level", "LEVEL", default: "info",
            "the least level shown on the console: debug, info, warning or error (the log file keeps every level)"),
        OptionSpec("--rng-seed", "N", default: "random", "seed of the node's random choices, for a repeatable run"),
        OptionSpec(
            "--cluster-key-file", "FILE", default: "none: no key",
            "take lines only from nodes proving this shared secret (the file: mode 600, 32 to 1,024 bytes; "
                + "docs/PROTOCOL.md, \"Cluster key\")"),
        OptionSpec(
            "--control-dir", "DIR", default: "$XDG_RUNTIME_DIR/gossip, or /tmp/gossip-<uid>",
            "where the node makes its control socket (peer-<IP>-<port>.sock, seed-...), which `cluster send`, `status` "
                + "and `monitor` talk to; made mode 0700, refused if another user owns it or others may write it"),
        OptionSpec("--no-control", default: "a control socket", "make no control socket"),
    ]

    /// Reads `option` if it is one of these; false when it is not.
    mutating func take(_ option: String, from reader: inout ArgumentReader) throws(UsageError) -> Bool {
        switch option {
        case "--port": port = try reader.port(for: option)
        case "--host":
            switch try reader.hostOrName(for: option) {
            case .address(let address):
                host = address
                hostName = nil
            case .name(let name): hostName = name
            }
        case "--advertise": advertise = try reader.hostOrName(for: option)
        case "--log-dir": logDirectory = try reader.value(for: option)
        case "--log-format":
            let value = try reader.value(for: option)
            guard let format = LogFormat(rawValue: value) else {
                throw UsageError("--log-format takes human or json, not '\(value)'")
            }
            logFormat = format
        case "--console-level":
            let value = try reader.value(for: option)
            guard let level = EventLevel(name: value) else {
                throw UsageError("--console-level takes debug, info, warning or error, not '\(value)'")
            }
            consoleLevel = level
        case "--rng-seed": rngSeed = UInt64(try reader.integer(for: option, in: 0...Int.max))
        case "--cluster-key-file": clusterKeyFile = try reader.value(for: option)
        case "--control-dir": controlDirectory = try reader.value(for: option)
        case "--no-control": control = false
        default: return false
        }
        return true
    }
}

/// How every program reads a duration, for the notes of its help.
let durationNote =
    "A duration D is decimal seconds (0.2) or has a unit: 200ms, 2s, 1m. A unitless value of a minute or more is stated back."

/// The node programs' exit statuses, for the notes of their help.
let exitNote =
    "Exit status: 0 after SIGINT or SIGTERM (a peer first tells its seeds and neighbours it leaves), 2 for a bad command line, config file or a port in use, 1 for a failure at run time."

/// The seed's command line: `seed [--port N] [--host ADDR] [--log-dir DIR] ...` (`SeedOptions.table`).
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
    /// How long a connection may go without registering (nil: 5 s).
    public var identifyTimeout: Duration?
    /// Open connections from one host at most (nil: 1,024).
    public var maxConnectionsPerHost: Int?
    /// Open connections at most (nil: what the descriptor limit allows, less a reserve).
    public var maxConnections: Int?

    /// Notes on values that are legal but suspicious (a unitless `--liveness-interval 200`),
    /// for the program to state back on standard error.
    public var notes: [String] = []

    /// The seed's options: the parser refuses what this does not list, `--help` prints it.
    public static let table = OptionTable(
        synopsis: "seed [OPTION...]",
        summary: """
            A seed node: keeps the list of registered peers, hands it to peers that register, checks
            peers reported dead, and answers `List Members` (see `cluster members`).
            """,
        groups: [
            ("Node", NodeOptions.optionSpecs),
            (
                "Membership",
                [
                    OptionSpec(
                        "--liveness-interval", "D", default: "13s",
                        "the peers' liveness interval: give seeds the peers' value; paces renewals and the checks of suspects"),
                    OptionSpec(
                        "--max-peers", "N", default: "100000",
                        "the most peers listed; further registrations are refused with Error:"),
                ]
            ),
            (
                "Connections",
                [
                    OptionSpec(
                        "--identify-timeout", "D", default: "5s",
                        "a connection that has not registered within D (or is idle D after a query) is closed; also the time a new peer has to answer the seed's probe of its address"),
                    OptionSpec(
                        "--max-connections", "N", default: "descriptors - 256",
                        "open connections at most; the seed raises its soft descriptor limit to the hard one at start and keeps 256 for probes and files"),
                    OptionSpec(
                        "--max-connections-per-host", "N", default: "1024",
                        "open connections from one host at most; more are refused with Error:"),
                ]
            ),
        ],
        notes: durationNote + "\n" + exitNote)

    public static var usage: String { table.text() }

    public init() {}

    public init(parsing arguments: [String]) throws(UsageError) {
        var reader = ArgumentReader(arguments)
        defer { notes = reader.notes }
        while let option = try reader.nextOption() {
            try Self.table.check(option)
            switch option {
            case "--liveness-interval": livenessInterval = try reader.duration(for: option)
            case "--max-peers": maxPeers = try reader.integer(for: option, in: 1...10_000_000)
            case "--identify-timeout": identifyTimeout = try reader.duration(for: option)
            case "--max-connections": maxConnections = try reader.integer(for: option, in: 1...10_000_000)
            case "--max-connections-per-host": maxConnectionsPerHost = try reader.integer(for: option, in: 1...10_000_000)
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
        if let identifyTimeout { settings.identifyTimeout = identifyTimeout }
        if let maxConnectionsPerHost { settings.maxConnectionsPerHost = maxConnectionsPerHost }
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

    /// Notes on values that are legal but suspicious, for the program to state back.
    public var notes: [String] = []

    /// The peer's options: the parser refuses what this does not list, `--help` prints it.
    public static let table = OptionTable(
        synopsis: "peer [OPTION...]",
        summary: """
            A peer node: registers with a majority of the seeds in the config file, links to a few peers,
            creates and floods messages, and reports neighbours that stop answering. Standard input takes
            operator commands, one a line: `broadcast` creates the next own message now.
            """,
        groups: [
            (
                "Node",
                NodeOptions.optionSpecs + [
                    OptionSpec("--config", "FILE", default: "config.txt", "the seed list: one IP:port or name:port a line")
                ]
            ),
            ("Gossip and liveness", PeerTiming.optionSpecs),
        ],
        notes: durationNote + "\n" + exitNote)

    public static var usage: String { table.text() }

    public init() {}

    public init(parsing arguments: [String]) throws(UsageError) {
        var reader = ArgumentReader(arguments)
        defer { notes = reader.notes }
        while let option = try reader.nextOption() {
            try Self.table.check(option)
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
    public var identifyTimeout: Duration?
    public var maxClockSkew: Duration?

    public init() {}

    /// The timing options, as `peer --help` (and `cluster --help`, which passes them on) shows them.
    public static let optionSpecs: [OptionSpec] = [
        OptionSpec("--messages", "N", default: "10", "how many messages to create (0: only relay)"),
        OptionSpec("--gossip-interval", "D", default: "5s", "time between own messages"),
        OptionSpec("--liveness-interval", "D", default: "13s", "time between liveness requests to each neighbour"),
        OptionSpec(
            "--liveness-timeout", "D", default: "half the interval",
            "how long a request waits for its reply before it counts as missed"),
        OptionSpec(
            "--liveness-misses", "N", default: "3", "unanswered requests in a row after which a neighbour is reported dead"),
        OptionSpec("--max-links", "N", default: "4", "how many peers it links to itself"),
        OptionSpec("--max-inbound", "N", default: "32", "how many links from other peers it accepts"),
        OptionSpec(
            "--identify-timeout", "D", default: "5s",
            "how long a connection may take to say who it is, and a peer that linked to answer on its address"),
        OptionSpec("--max-clock-skew", "D", default: "30s", "gossip timestamped further ahead of this clock is refused"),
    ]

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
        case "--identify-timeout": identifyTimeout = try reader.duration(for: option)
        case "--max-clock-skew": maxClockSkew = try reader.duration(for: option)
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
        if let identifyTimeout { settings.identifyTimeout = identifyTimeout }
        if let maxClockSkew { settings.maxClockSkew = maxClockSkew }
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
        if let identifyTimeout { result += ["--identify-timeout", DurationText.format(identifyTimeout)] }
        if let maxClockSkew { result += ["--max-clock-skew", DurationText.format(maxClockSkew)] }
        return result
    }
}
