import GossipCore
import GossipOptions
import GossipRuntime

/// `cluster [--peers N] [--config FILE] [--log-dir DIR] [--duration D] [--report FILE]` plus the
/// peer timing options, which are passed on to every peer.
struct ClusterOptions {
    var peers = 10
    var configPath = "config.txt"
    var logDirectory = "logs"
    /// Run this long; nil: until every peer has every message (or Ctrl-C).
    var duration: Duration?
    var timing = PeerTiming()
    /// Write `cluster report`'s page of this run here at the end.
    var reportPath: String?
    /// The cluster key file, passed on to every seed and peer (docs/PROTOCOL.md, "Cluster key").
    var clusterKeyFile: String?
    /// The command line, for the report's title.
    var arguments: [String] = []

    static let usage = """
        usage: cluster [--peers N] [--config FILE] [--log-dir DIR] [--duration D] [--report FILE]
                       [--messages N] [--gossip-interval D] [--liveness-interval D]
                       [--liveness-timeout D] [--liveness-misses N] [--max-links N] [--max-inbound N]
                       [--cluster-key-file FILE]
        Starts the seeds listed in the config file and N peers, runs until Ctrl-C, the duration,
        or (without --duration) until every peer has every message, then reports delivery;
        --report FILE also writes the run's HTML report (as 'cluster report' does) to FILE;
        --cluster-key-file FILE starts every node with that shared secret (mode 600, 32+ bytes).
        Also: cluster simulate ... (the protocol at scale, in virtual time), cluster bench ...
        (benchmarks of the real programs), cluster lab ... (the real programs in network
        namespaces with loss, partitions, freezes, kills, leaves and seed restarts; root),
        cluster report ... (an HTML page of a run's logs, a simulation or benchmarks).
        Each takes --help.
        """

    init(parsing arguments: [String]) throws(UsageError) {
        self.arguments = arguments
        var reader = ArgumentReader(arguments)
        while let option = try reader.nextOption() {
            switch option {
            case "--peers": peers = try reader.integer(for: option, in: 1...1000)
            case "--config": configPath = try reader.value(for: option)
            case "--log-dir": logDirectory = try reader.value(for: option)
            case "--duration": duration = try reader.duration(for: option)
            case "--report": reportPath = try reader.value(for: option)
            case "--cluster-key-file": clusterKeyFile = try reader.value(for: option)
            default:
                guard try timing.take(option, from: &reader) else { throw UsageError("unknown option \(option)") }
            }
        }
        // The peers would refuse bad timing options one by one; refuse them once, here.
        try timing.validate()
    }

    /// What every node is given besides its own options: the cluster key file, if any.
    var keyArguments: [String] { clusterKeyFile.map { ["--cluster-key-file", $0] } ?? [] }

    /// The peer settings the cluster's peers will run with (for the defaults it reports).
    var peerSettings: PeerSettings { timing.settings }
}
