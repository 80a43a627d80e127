import Glibc
import GossipCore
import GossipOptions
import GossipRuntime
import GossipSimulation

/// `cluster simulate`: the protocol at scale, in virtual time.
enum SimulateCommand {
    /// The options: the parser refuses what this does not list, `--help` prints it.
    static let table = OptionTable(
        synopsis: "cluster simulate [OPTION...]",
        summary: """
            Runs the very same seed and peer state machines as the programs, with virtual time and a
            modelled network instead of sockets, deterministically from --rng-seed: the same options give
            the same run, event for event (the trace digest says so).
            """,
        groups: [
            (
                "Network and traffic",
                [
                    OptionSpec("--seeds", "N", default: "10", "seeds (1-1000)"),
                    OptionSpec("--peers", "N", default: "100", "peers (1-1000000)"),
                    OptionSpec(
                        "--broadcasts", "N", default: "10",
                        "one message each from N distinct random peers (peers are otherwise quiet), 100 ms apart"),
                    OptionSpec("--broadcast-at", "T", default: "2 s after the last join", "when the first broadcast is made"),
                    OptionSpec("--join-over", "D", default: "0", "peers join spread evenly over D"),
                    OptionSpec("--rng-seed", "N", default: "1", "every random choice of the run derives from it"),
                ]
            ),
            (
                "Faults",
                [
                    OptionSpec(
                        "--latency", "L", default: "1ms",
                        "one-way latency, with its unit: 5ms (fixed), exp:5ms (exponential, that mean), uniform:1ms-9ms"),
                    OptionSpec(
                        "--loss", "P", default: "0",
                        "probability (0 to below 1) a TCP segment is lost; it then arrives after retransmission time-outs"),
                    OptionSpec("--crash", "N@T", default: "none", "N random live peers crash at T (repeatable)"),
                    OptionSpec(
                        "--partition", "F@T1-T2[:out|:in]", default: "none",
                        "a fraction F of peers is cut off from the rest from T1 to T2; :out / :in one direction only (repeatable)"
                    ),
                ]
            ),
            (
                "Run",
                [
                    OptionSpec(
                        "--until", "T", default: "5 s after the last scripted event, plus detection time",
                        "virtual time limit"),
                    OptionSpec("--json", "FILE", default: "none", "also write the report as JSON"),
                ]
            ),
            (
                "Peer timing (as peer takes it; --messages and --gossip-interval do not apply)",
                PeerTiming.optionSpecs.filter { $0.name != "--messages" && $0.name != "--gossip-interval" }
            ),
        ],
        notes: "A time T or duration D is decimal seconds (20) or has a unit: 200ms, 20s, 1m.")

    static var usage: String { table.text() }

    static func parse(_ arguments: [String]) throws(UsageError) -> (SimulationSettings, json: String?) {
        var settings = SimulationSettings()
        var json: String?
        var reader = ArgumentReader(arguments)
        while let option = try reader.nextOption() {
            if option != "--messages" && option != "--gossip-interval" { try table.check(option) }
            switch option {
            case "--seeds": settings.seeds = try reader.integer(for: option, in: 1...1000)
            case "--peers": settings.peers = try reader.integer(for: option, in: 1...1_000_000)
            case "--broadcasts": settings.broadcasts = try reader.integer(for: option, in: 0...1_000_000)
            case "--rng-seed": settings.rngSeed = UInt64(try reader.integer(for: option, in: 0...Int.max))
            case "--latency":
                let text = try reader.value(for: option)
                // `5` would be 5 seconds, surely meant as 5 ms: a latency states its unit.
                let amounts = text.split(separator: ":").last.map { $0.split(separator: "-").map(String.init) } ?? []
                if let bare = amounts.first(where: { !DurationText.hasUnit($0) && $0 != "0" }) {
                    throw UsageError(
                        "--latency \(text): '\(bare)' has no unit; write \(bare)ms (or \(bare)s if seconds are meant)")
                }
                guard let model = LatencyModel(parsing: text) else {
                    throw UsageError("--latency must be 5ms, exp:5ms or uniform:1ms-9ms, not '\(text)'")
                }
                settings.latency = model
            case "--loss":
                let text = try reader.value(for: option)
                guard let p = Double(text), p >= 0, p < 1 else {
                    throw UsageError("--loss must be a probability from 0 to below 1, not '\(text)'")
                }
                settings.loss = p
            case "--crash":
                let text = try reader.value(for: option)
                let parts = text.split(separator: "@")
                guard parts.count == 2, let count = Int(parts[0]), count >= 0, let at = DurationText.parse(String(parts[1]))
                else {
                    throw UsageError("--crash must be N@T, e.g. 5@20s, not '\(text)'")
                }
                settings.crashes.append(.init(count: count, at: at))
            case "--partition":
                settings.partitions.append(try partition(try reader.value(for: option)))
            case "--join-over": settings.joinOver = try reader.duration(for: option)
            case "--broadcast-at": settings.broadcastAt = try time(try reader.value(for: option), option)
            case "--until": settings.until = try reader.duration(for: option)
            case "--json": json = try reader.value(for: option)
            case "--messages", "--gossip-interval":
                throw UsageError("\(option) does not apply: simulated peers are quiet but for --broadcasts")
            default:
                guard try settings.timing.take(option, from: &reader) else { throw UsageError("unknown option \(option)") }
            }
        }
        try settings.timing.validate()
        return (settings, json)
    }

    static func time(_ text: String, _ option: String) throws(UsageError) -> Duration {
        guard let d = DurationText.parse(text) else { throw UsageError("\(option) must be a time such as 20s, not '\(text)'") }
        return d
    }

    /// `F@T1-T2`, optionally `:in` or `:out` for a one-way cut.
    static func partition(_ text: String) throws(UsageError) -> SimulationSettings.Partition {
        let bad = UsageError("--partition must be F@T1-T2 with an optional :in or :out, e.g. 0.3@10s-40s:out, not '\(text)'")
        var body = Substring(text)
        var direction = SimulationSettings.Partition.Direction.both
        if let colon = body.lastIndex(of: ":") {
            guard let d = SimulationSettings.Partition.Direction(rawValue: String(body[body.index(after: colon)...])) else {
                throw bad
            }
            direction = d
            body = body[..<colon]
        }
        let parts = body.split(separator: "@")
        guard parts.count == 2, let fraction = Double(parts[0]), fraction > 0, fraction < 1 else { throw bad }
        let span = parts[1].split(separator: "-")
        guard span.count == 2, let from = DurationText.parse(String(span[0])), let to = DurationText.parse(String(span[1])),
            from < to
        else {
            throw bad
        }
        return .init(fraction: fraction, from: from, to: to, direction: direction)
    }

    static func run(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            say(usage)
            return 0
        }
        let settings: SimulationSettings
        let jsonPath: String?
        do { (settings, jsonPath) = try parse(arguments) } catch {
            NodeLauncher.standardError("cluster simulate: \(error) (see 'cluster simulate --help')\n")
            return 2
        }
        say(
            "Simulating \(settings.seeds) seeds and \(settings.peers) peers, \(settings.broadcasts) broadcasts, seed \(settings.rngSeed), latency \(settings.latency), loss \(settings.loss)"
        )
        let start = SystemClock.monotonic()
        let simulation = Simulation(settings: settings)
        var report = simulation.run()
        report.wallSeconds = (SystemClock.monotonic() - start).seconds
        report.peakRSSBytes = ProcessProbe.peakResidentBytes(getpid()) ?? 0
        report.command = (["cluster", "simulate"] + arguments).joined(separator: " ")
        say(report.table())
        if let jsonPath {
            let fd = open(jsonPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                NodeLauncher.standardError("cluster simulate: cannot write \(jsonPath): \(String(cString: strerror(errno)))\n")
                return 1
            }
            var text = report.json() + "\n"
            text.withUTF8 { Files.writeAll(fd, UnsafeRawBufferPointer($0)) }
            close(fd)
            say("JSON written to \(jsonPath)")
        }
        return 0
    }

    static func say(_ text: String) { NodeLauncher.standardError(text + "\n", to: STDOUT_FILENO) }
}
