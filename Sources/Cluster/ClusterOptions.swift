import GossipCore
import GossipOptions
import GossipRuntime

/// `cluster [OPTION...]`: a network of real processes on this machine (`ClusterOptions.table`).
struct ClusterOptions {
    var peers = 10
    /// Seeds started on free ports of 127.0.0.1, when no config file is given.
    var seeds = 3
    /// Start the seeds at this file's addresses instead of on free ports.
    var configPath: String?
    var logDirectory = "logs"
    /// Run this long; nil: until every live peer has every message (or Ctrl-C).
    var duration: Duration?
    var timing = PeerTiming()
    /// Write `cluster report`'s page of this run here at the end.
    var reportPath: String?
    /// The per-peer delivery table: nil shows it up to `tableLimit` peers.
    var perPeer: Bool?
    /// Time between status lines when standard output is not a terminal (a terminal's one
    /// line is refreshed every quarter second).
    var statusInterval: Duration = .seconds(5)
    /// The cluster key file, passed on to every seed and peer (docs/PROTOCOL.md, "Cluster key").
    var clusterKeyFile: String?
    /// The command line, for the report's title.
    var arguments: [String] = []
    /// Legal but suspicious values, said back on standard error.
    var notes: [String] = []

    /// Past this many peers the report is a summary; `--per-peer` shows the table all the same.
    static let tableLimit = 40

    static let table = OptionTable(
        synopsis: "cluster [OPTION...]   or   cluster COMMAND [OPTION...]",
        summary: """
            Starts a network on this machine, every node a child process of the real seed and peer programs:
            seeds on free ports of 127.0.0.1 (the config it used is written next to the logs) and N peers.
            Shows a live status line, runs until every live peer has every message (or --duration, or
            Ctrl-C), stops every child and reports delivery to the live peers. Peers that exit during the
            run (killed, say) are counted apart, not as delivery failures.
            """,
        groups: [
            (
                "Network",
                [
                    OptionSpec("--peers", "N", default: "10", "how many peers to start (1-1000)"),
                    OptionSpec("--seeds", "N", default: "3", "how many seeds to start, on free ports of 127.0.0.1 (1-9)"),
                    OptionSpec(
                        "--config", "FILE", default: "none: free ports",
                        "start the seeds at this config file's addresses instead (fixed ports: one such run at a time)"),
                    OptionSpec(
                        "--log-dir", "DIR", default: "logs",
                        "where the nodes' logs and the run's config (cluster-<pid>.config.txt) are written"),
                ]
            ),
            (
                "Run and report",
                [
                    OptionSpec(
                        "--duration", "D", default: "until every live peer has every message",
                        "stop after this long, whatever was delivered"),
                    OptionSpec(
                        "--per-peer", default: "up to \(tableLimit) peers",
                        "the per-peer delivery table in the report, however many peers (else a summary)"),
                    OptionSpec(
                        "--status-interval", "D", default: "5s",
                        "time between status lines when standard output is not a terminal (a terminal's line is refreshed in place)"
                    ),
                    OptionSpec(
                        "--report", "FILE", default: "none", "also write the run's HTML report (as 'cluster report' does)"),
                    OptionSpec(
                        "--cluster-key-file", "FILE", default: "none: no key",
                        "start every node with this shared secret (mode 600, 32 to 1,024 bytes)"),
                ]
            ),
            ("Peer options, passed on to every peer", PeerTiming.optionSpecs),
        ],
        notes: """
            A duration D is decimal seconds (0.2) or has a unit: 200ms, 2s, 1m.
            Exit status: 0 every live peer got every message created in the run; 1 a live peer missed one,
            or a node could not be started; 2 a bad command line or config file; 3 nothing was measured (no
            message was created, e.g. --duration shorter than --gossip-interval); 130 stopped by Ctrl-C
            (SIGINT), 143 by SIGTERM, after stopping every child and reporting what was delivered so far.
            Errors and warnings go to standard error; the status and the report to standard output.
            """)

    init(parsing arguments: [String]) throws(UsageError) {
        self.arguments = arguments
        var reader = ArgumentReader(arguments)
        while let option = try reader.nextOption() {
            try Self.table.check(option)
            switch option {
            case "--peers": peers = try reader.integer(for: option, in: 1...1000)
            case "--seeds": seeds = try reader.integer(for: option, in: 1...9)
            case "--config": configPath = try reader.value(for: option)
            case "--log-dir": logDirectory = try reader.value(for: option)
            case "--duration": duration = try reader.duration(for: option)
            case "--report": reportPath = try reader.value(for: option)
            case "--per-peer": perPeer = true
            case "--status-interval": statusInterval = try reader.duration(for: option)
            case "--cluster-key-file": clusterKeyFile = try reader.value(for: option)
            default:
                guard try timing.take(option, from: &reader) else { throw UsageError("unknown option \(option)") }
            }
        }
        notes = reader.notes
        // The peers would refuse bad timing options one by one; refuse them once, here.
        try timing.validate()
    }

    /// What every node is given besides its own options: the cluster key file, if any.
    var keyArguments: [String] { clusterKeyFile.map { ["--cluster-key-file", $0] } ?? [] }

    /// The peer settings the cluster's peers will run with (for the defaults it reports).
    var peerSettings: PeerSettings { timing.settings }
}
