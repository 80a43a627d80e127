import Glibc
import GossipCore
import GossipOptions
import GossipReport
import GossipRuntime

/// `cluster members`: the whole network as its seeds see it. Every seed of the config file is
/// asked for its complete list (`List Members`, paged) and the answers are merged into one row
/// per peer: its address, its state, and which seeds list it.
enum MembersCommand {
    struct Options {
        var configPath = "config.txt"
        var seeds: [HostText.WithPort] = []
        var json = false
        var timeout: Duration = .seconds(2)
    }

    static let table = OptionTable(
        synopsis: "cluster members [--config FILE] [--seed ADDR]... [--json] [--timeout D]",
        summary: """
            The whole network as the seeds see it: every seed of the config file is asked for its complete
            member list (List Members, paged) and the answers are merged, one row per peer: its address, its
            state and the seeds that list it. Works on any network, started by hand or by cluster, from any
            directory.
            """,
        groups: [
            (
                "Options",
                [
                    OptionSpec("--config", "FILE", default: "config.txt", "the seeds to ask: the network's config file"),
                    OptionSpec(
                        "--seed", "ADDR", default: "none",
                        "ask this seed (IP:port or name:port) instead of the config file's; repeatable"),
                    OptionSpec("--json", default: "off", "print one JSON document instead of the table (keys in README)"),
                    OptionSpec("--timeout", "D", default: "2s", "how long each seed has to answer completely"),
                ]
            )
        ],
        notes: """
            State: alive (registered, heard from lately), suspect (accused or silent; the seed is checking it),
            left (stopped on purpose), dead (dropped after a check), expired (not renewed; may be alive
            elsewhere). A peer's state is the most hopeful any seed gives: alive, suspect, left, dead, expired.
            Seeds keep departed peers for 60 liveness intervals.
            Exit status: 0 every seed answered; 3 some did not (the rest is listed, the others named on
            standard error); 1 no seed answered; 2 a bad command line or config file.
            """)

    static func run(_ arguments: [String]) -> Int32 {
        let options: Options
        do { options = try parse(arguments) } catch {
            NodeLauncher.standardError("cluster members: \(error) (see 'cluster members --help')\n")
            return 2
        }
        let seeds: [NodeAddress]
        do { seeds = try resolveSeeds(options) } catch {
            NodeLauncher.standardError("cluster members: \(error)\n")
            return 2
        }
        var answers: [SeedAnswer] = []
        for seed in seeds {
            switch SeedClient.members(of: seed, timeout: options.timeout) {
            case .success(let rows): answers.append(SeedAnswer(seed: seed, rows: rows, failure: nil))
            case .failure(let failure): answers.append(SeedAnswer(seed: seed, rows: [], failure: failure.description))
            }
        }
        let view = MembersView(answers: answers)
        let answered = answers.filter { $0.failure == nil }.count
        for answer in answers {
            guard let failure = answer.failure else { continue }
            NodeLauncher.standardError("cluster members: seed \(answer.seed) did not answer: \(failure)\n")
        }
        if answered == 0 {
            NodeLauncher.standardError("cluster members: no seed answered; nothing to list\n")
        } else if answered < answers.count {
            NodeLauncher.standardError(
                "cluster members: listing what the other \(answered) of \(answers.count) seeds said\n")
        }
        let text = options.json ? view.json().text() + "\n" : view.table() + "\n"
        if answered > 0 || options.json { NodeLauncher.standardError(text, to: STDOUT_FILENO) }
        return answered == answers.count ? 0 : answered == 0 ? 1 : 3
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var reader = ArgumentReader(arguments)
        while let option = try reader.nextOption() {
            try table.check(option)
            switch option {
            case "--config": options.configPath = try reader.value(for: option)
            case "--seed":
                let text = try reader.value(for: option)
                guard let seed = HostText.WithPort(parsing: text) else {
                    throw UsageError("--seed must be IP:port or name:port, not '\(text)'")
                }
                options.seeds.append(seed)
            case "--json": options.json = true
            case "--timeout": options.timeout = try reader.duration(for: option)
            default: throw UsageError("unknown option \(option)")
            }
        }
        return options
    }

    /// The seeds to ask: `--seed`s, or the config file's (names resolved now).
    static func resolveSeeds(_ options: Options) throws -> [NodeAddress] {
        if !options.seeds.isEmpty {
            return try options.seeds.map { seed in
                switch HostResolver.resolve(seed.host) {
                case .success(let host): return NodeAddress(host: host, port: seed.port)
                case .failure(let failure): throw RuntimeError("--seed: \(failure)")
                }
            }
        }
        let text: String
        do { text = try Files.read(options.configPath) } catch {
            throw RuntimeError("\(error) (give the network's config file with --config FILE, or --seed ADDR)")
        }
        return try SeedConfig(parsing: text, file: options.configPath, resolve: HostResolver.resolve).seeds
    }
}

extension HostText {
    /// `IP:port` or `name:port`, as `--seed` takes it.
    struct WithPort {
        var host: HostText
        var port: UInt16

        init?(parsing text: String) {
            if let address = try? NodeAddress(parsing: text) {
                host = .address(address.host)
                port = address.port
                return
            }
            guard let colon = text.lastIndex(of: ":"), HostName.isValid(text[..<colon]),
                let port = UInt16(text[text.index(after: colon)...]), port > 0
            else { return nil }
            host = .name(String(text[..<colon]))
            self.port = port
        }
    }
}
