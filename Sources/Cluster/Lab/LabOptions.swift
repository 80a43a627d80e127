import GossipCore
import GossipOptions

/// `cluster lab` options: the network, the faults (each bounded in time), the peer timing
/// passed on to every peer, and where the report goes.
struct LabOptions {
    /// A fault at `at` seconds into the run, lasting `length` (nil: for good).
    struct Fault: Equatable {
        enum Kind: String { case partition, freeze, kill, leave, forge, restartSeed = "restart-seed" }
        var kind: Kind
        /// How many peers (for a partition, a fraction below 1 is a share of the peers).
        var count: Double
        var at: Duration
        var length: Duration?
    }

    var seeds = 3
    var peers = 16
    var duration: Duration = .seconds(120)
    var lossPercent = 0
    var faults: [Fault] = []
    var timing = PeerTiming()
    var json: String?
    var directory: String?
    /// How long a restarted seed stays down.
    var seedGap: Duration = .seconds(1)
    var rngSeed: UInt64?

    static let usage = """
        usage: cluster lab [--seeds N] [--peers N] [--duration D] [--loss P] [--partition F@T+D]...
                           [--freeze N@T+D]... [--kill N@T]... [--leave N@T]... [--forge N@T]... [--restart-seed @T]...
                           [--json FILE] [--dir DIR] [--rng-seed N] [peer timing options]
        Runs the real seed and peer programs, each in its own Linux network namespace on one
        bridge, injects faults and measures delivery and how honest the seeds' lists are.
        Needs root, ip (iproute2) and nft (nftables).
          --seeds N           seeds (1-9, default 3)          --peers N   peers (1-500, default 16)
          --duration D        length of the run (default 120s); times T below count from the start
          --loss P            P % of the frames crossing the bridge dropped, whole run (nftables numgen)
          --partition F@T+D   cut F peers (F < 1: that share of them) off from the rest at T, heal after D
          --freeze N@T+D      SIGSTOP N peers at T, SIGCONT after D
          --kill N@T          SIGKILL N peers at T
          --leave N@T         SIGTERM N peers at T (a graceful leave)
          --forge N@T         an outsider sends every seed a forged Dead Node about N live peers at T
          --restart-seed @T   SIGKILL seed 1 at T and start it again on its address after --seed-gap (1s)
          --json FILE         also write the figures as JSON
          --dir DIR           the run's directory (config, node logs); default /tmp/gossip-lab-<pid>, kept
          peer timing options, passed to every peer: --messages N --gossip-interval D
            --liveness-interval D --liveness-timeout D --liveness-misses N --max-links N --max-inbound N
        Every namespace, link and rule is removed at the end, on error and on Ctrl-C.
        """

    init(parsing arguments: [String]) throws(UsageError) {
        var reader = ArgumentReader(arguments)
        while let option = try reader.nextOption() {
            switch option {
            case "--seeds": seeds = try reader.integer(for: option, in: 1...9)
            case "--peers": peers = try reader.integer(for: option, in: 1...500)
            case "--duration": duration = try reader.duration(for: option)
            case "--loss": lossPercent = try reader.integer(for: option, in: 0...100)
            case "--json": json = try reader.value(for: option)
            case "--dir": directory = try reader.value(for: option)
            case "--seed-gap": seedGap = try reader.duration(for: option)
            case "--rng-seed": rngSeed = UInt64(try reader.integer(for: option, in: 0...Int.max))
            case "--partition": faults.append(try Self.fault(.partition, try reader.value(for: option), option))
            case "--freeze": faults.append(try Self.fault(.freeze, try reader.value(for: option), option))
            case "--kill": faults.append(try Self.fault(.kill, try reader.value(for: option), option))
            case "--leave": faults.append(try Self.fault(.leave, try reader.value(for: option), option))
            case "--forge": faults.append(try Self.fault(.forge, try reader.value(for: option), option))
            case "--restart-seed":
                faults.append(try Self.fault(.restartSeed, "1" + (try reader.value(for: option)), option))
            default:
                guard try timing.take(option, from: &reader) else { throw UsageError("unknown option \(option)") }
            }
        }
        try timing.validate()
        for fault in faults where fault.at + (fault.length ?? .zero) >= duration {
            throw UsageError("--\(fault.kind.rawValue) at \(DurationText.format(fault.at)) does not end within --duration \(DurationText.format(duration))")
        }
        let removed = faults.filter { $0.kind == .kill || $0.kind == .leave }.reduce(0) { $0 + Int($1.count) }
        if removed >= peers { throw UsageError("--kill and --leave would remove every peer") }
    }

    /// `N@T`, `N@T+D` (the faults that heal need `+D`; `F@T1-T2` is taken too, as
    /// `cluster simulate` writes a partition).
    static func fault(_ kind: Fault.Kind, _ text: String, _ option: String) throws(UsageError) -> Fault {
        let healing = kind == .partition || kind == .freeze
        let form = kind == .restartSeed ? "@T, e.g. @20s" : healing ? "N@T+D, e.g. 2@10s+15s" : "N@T, e.g. 1@20s"
        let bad = UsageError("\(option) must be \(form), not '\(kind == .restartSeed ? String(text.dropFirst()) : text)'")
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Double(parts[0]), count > 0 else { throw bad }
        if kind != .partition && count != count.rounded() { throw bad }
        var at: Duration
        var length: Duration?
        if let plus = parts[1].firstIndex(of: "+") {
            guard healing, let start = DurationText.parse(String(parts[1][..<plus])),
                let span = DurationText.parse(String(parts[1][parts[1].index(after: plus)...])), span > .zero
            else { throw bad }
            at = start
            length = span
        } else if healing, let dash = parts[1].firstIndex(of: "-") {
            guard let start = DurationText.parse(String(parts[1][..<dash])),
                let end = DurationText.parse(String(parts[1][parts[1].index(after: dash)...])), end > start
            else { throw bad }
            at = start
            length = end - start
        } else {
            guard !healing, let start = DurationText.parse(String(parts[1])) else { throw bad }
            at = start
        }
        return Fault(kind: kind, count: count, at: at, length: length)
    }
}
