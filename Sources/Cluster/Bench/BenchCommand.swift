import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// `cluster bench [SCENARIO...] [--json FILE] [--quick]`: the four benchmarks of issue 4 with
/// the real `seed` and `peer` programs, in a temporary directory under /tmp.
enum BenchCommand {
    static let scenarios = ["dissemination", "throughput", "killflood", "footprint", "detection"]

    static let usage = """
        usage: cluster bench [SCENARIO...] [--json FILE] [--quick] [--cluster-key]
        Scenarios (all four when none is named):
          dissemination  3 seeds and N = 10, 50, 100, 200 quiet peers; 20 broadcasts from random peers
                         (a 'broadcast' line on the peer's stdin); coverage latency, hops, copies
          throughput     1 peer, 4 links played by the bench: 1 sends gossip for 10 s, 3 count what is forwarded
          killflood      the same flood, the peer SIGKILLed 20 times in it (a fresh one each time): every message
                         a neighbour got from it must be in its log (write-ahead)
          footprint      1 seed and 2 peers idle for 30 s, at default timings and at --liveness-interval 1s
          detection      3 seeds, 50 peers at 1 s x 3 misses; 5 SIGKILLs, time until the seeds drop the peer
        --quick   N = 10 only, 5 broadcasts, 2 s of load, 2 kills of the flood, 3 s idle, 10 peers and 1 kill
                  (about a minute)
        --json F  also write the figures as JSON to F
        --cluster-key  every node holds a cluster key (a fresh one); the bench's own clients prove it too
        Prints one table with the targets on standard output; progress goes to standard error.
        """

    struct Options: Equatable {
        var scenarios: [String] = []
        var json: String?
        var quick = false
        var clusterKey = false
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            if argument == "--quick" {
                options.quick = true
            } else if argument == "--cluster-key" {
                options.clusterKey = true
            } else if argument == "--json" {
                guard let file = remaining.popFirst() else { throw UsageError("--json needs a file name") }
                options.json = file
            } else if argument.hasPrefix("--json=") {
                options.json = String(argument.dropFirst("--json=".count))
            } else if argument.hasPrefix("-") {
                throw UsageError("unknown option \(argument)")
            } else if scenarios.contains(argument) {
                if !options.scenarios.contains(argument) { options.scenarios.append(argument) }
            } else {
                throw UsageError("unknown scenario '\(argument)' (scenarios: \(scenarios.joined(separator: ", ")))")
            }
        }
        if options.json?.isEmpty == true { throw UsageError("--json needs a file name") }
        if options.scenarios.isEmpty { options.scenarios = scenarios }
        return options
    }

    static func run(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            NodeLauncher.standardError(usage + "\n", to: STDOUT_FILENO)
            return 0
        }
        let options: Options
        do { options = try parse(arguments) } catch {
            NodeLauncher.standardError("cluster bench: \(error) (see 'cluster bench --help')\n")
            return 2
        }
        let interrupts: Interrupts
        let root: BenchDirectory
        do {
            interrupts = Interrupts(signals: try SignalPipe())
            root = try BenchDirectory()
        } catch {
            NodeLauncher.standardError("cluster bench: \(error)\n")
            return 1
        }
        defer { root.remove() }
        let context: BenchContext
        do {
            context = BenchContext(
                root: root, binaries: Paths.executableDirectory(), interrupts: interrupts, quick: options.quick,
                clusterKey: options.clusterKey ? try BenchContext.ClusterKeySetting(in: root) : nil)
        } catch {
            NodeLauncher.standardError("cluster bench: \(error)\n")
            return 1
        }
        var report = BenchReport(
            machine: MachineInfo.current(), command: (["cluster", "bench"] + arguments).joined(separator: " "),
            quick: options.quick)
        #if DEBUG
            context.progress("this is a debug build; measure with 'swift build -c release' and .build/release/cluster")
        #endif
        context.progress("working in \(root.path)")
        for scenario in scenarios where options.scenarios.contains(scenario) {
            do {
                try run(scenario, context: context, into: &report)
                report.ran.insert(scenario)
            } catch .interrupted(let signal) {
                NodeLauncher.standardError("cluster bench: interrupted by \(SignalPipe.name(signal)); every node stopped\n")
                return 130
            } catch {
                context.progress("\(scenario) failed: \(error)")
                report.failures.append((scenario, error.description))
            }
        }
        NodeLauncher.standardError(report.table() + "\n", to: STDOUT_FILENO)
        if let path = options.json {
            guard write(report.json().text() + "\n", to: path) else {
                NodeLauncher.standardError("cluster bench: cannot write \(path): \(String(cString: strerror(errno)))\n")
                return 1
            }
            context.progress("JSON written to \(path)")
        }
        return report.failures.isEmpty ? 0 : 1
    }

    private static func run(_ scenario: String, context: BenchContext, into report: inout BenchReport) throws(BenchError) {
        let quick = context.quick
        switch scenario {
        case "dissemination":
            for count in quick ? [10] : [10, 50, 100, 200] {
                let result = try Dissemination.run(peers: count, broadcasts: quick ? 5 : 20, context: context)
                context.progress(
                    "dissemination: \(count) peers: delivery \(BenchFormat.percent(result.delivery)), p99 \(BenchFormat.optional(result.p99, 1, " ms"))"
                )
                report.dissemination.append(result)
            }
        case "throughput":
            let result = try Throughput.run(for: .seconds(quick ? 2 : 10), context: context)
            context.progress("throughput: \(BenchFormat.count(result.inPerSecond)) messages/s in")
            report.throughput = result
        case "killflood":
            let kills = quick ? 2 : BenchTargets.killFloodKills
            context.progress("killflood: \(kills) SIGKILLs of a peer under the throughput flood")
            let result = try KillFlood.run(kills: kills, context: context)
            context.progress(
                "killflood: \(result.kills.count) kills, \(BenchFormat.grouped(result.forwarded)) messages forwarded, \(result.missing) not in the log")
            report.killFlood = result
        case "footprint":
            context.progress("footprint: idle \(quick ? 3 : 30) s at default timings, then at --liveness-interval 1s")
            report.footprint = try Footprint.run(idle: .seconds(quick ? 3 : 30), context: context)
        case "detection":
            let result = try Detection.run(peers: quick ? 10 : 50, kills: quick ? 1 : 5, context: context)
            context.progress(
                "detection: last seed dropped the peer after \(result.kills.map { BenchFormat.optional($0.last, 2) }) s")
            report.detection = result
        default:
            throw .failed("unknown scenario \(scenario)")
        }
    }

    /// Writes `text` to the file at `path` (created or truncated).
    private static func write(_ text: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        var text = text
        text.withUTF8 { Files.writeAll(fd, UnsafeRawBufferPointer($0)) }
        return close(fd) == 0
    }
}
