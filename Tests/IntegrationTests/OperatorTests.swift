import Foundation
import GossipCore
import Testing

/// The operator's commands on real processes: `cluster members` on a network started by hand,
/// `cluster` runs side by side and interrupted, help and version texts, host names.
extension ProcessTests {
    @Suite struct OperatorTests {
        /// A finished command's exit status and its two output streams, kept apart.
        struct Outcome {
            var status: Int32
            var out: String
            var err: String
        }

        /// Runs a program to its end (at most `timeout` seconds, then it is killed and the test
        /// fails) in `directory`, its standard output and error in files of their own.
        static func run(_ program: String, _ arguments: [String], in directory: URL, timeout: TimeInterval = 20) throws -> Outcome
        {
            let process = Process()
            process.executableURL = TestNetwork.binaries.appendingPathComponent(program)
            process.arguments = arguments
            process.currentDirectoryURL = directory
            let id = UUID().uuidString
            let outFile = directory.appendingPathComponent("\(id).out")
            let errFile = directory.appendingPathComponent("\(id).err")
            for file in [outFile, errFile] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
            process.standardOutput = try FileHandle(forWritingTo: outFile)
            process.standardError = try FileHandle(forWritingTo: errFile)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            defer {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
            }
            try waitUntil("\(program) \(arguments.first ?? "") to exit", timeout: timeout) { !process.isRunning }
            return Outcome(
                status: process.terminationStatus, out: try String(contentsOf: outFile, encoding: .utf8),
                err: try String(contentsOf: errFile, encoding: .utf8))
        }

        /// `cluster members --json`, from another directory than the network's, parsed.
        static func members(_ net: TestNetwork, elsewhere: URL) throws -> (Outcome, [String: Any]) {
            let config = net.directory.appendingPathComponent("config.txt").path
            let outcome = try run("cluster", ["members", "--config", config, "--json"], in: elsewhere)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.out.utf8)) as? [String: Any])
            return (outcome, json)
        }

        /// Each peer's state and the seeds that list it, from the JSON.
        static func peers(_ json: [String: Any]) -> [String: (state: String, seeds: [String])] {
            var result: [String: (String, [String])] = [:]
            for entry in json["peers"] as? [[String: Any]] ?? [] {
                let seeds = (entry["seeds"] as? [[String: Any]] ?? []).compactMap { $0["address"] as? String }
                result[entry["address"] as? String ?? "?"] = (entry["state"] as? String ?? "?", seeds)
            }
            return result
        }

        @Test func membersListsEveryPeerWithItsSeedsAKilledPeerDeadAndAStoppedOneLeft() throws {
            try withNetwork { net in
                let seeds = try (0..<3).map { _ in try net.startSeed() }
                try net.writeConfig(seeds)
                let peers = try (0..<4).map { _ in try net.startPeer() }
                let elsewhere = net.directory.appendingPathComponent("elsewhere")
                try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)

                // Every peer, alive, listed by a majority of the seeds (2 of 3), as each seed's log says.
                var listed: [String: (state: String, seeds: [String])] = [:]
                try waitUntil("every peer registered with two seeds", timeout: 10) {
                    listed = Self.peers(try Self.members(net, elsewhere: elsewhere).1)
                    return peers.allSatisfy { listed[$0.address]?.seeds.count == 2 && listed[$0.address]?.state == "alive" }
                }
                #expect(listed.count == 4)
                for peer in peers {
                    for seed in listed[peer.address]!.seeds {
                        let node = try #require(seeds.first { $0.address == seed })
                        #expect(net.logged(node) { $0.kind == .peerRegistered && $0.subject?.description == peer.address })
                    }
                }
                let (outcome, json) = try Self.members(net, elsewhere: elsewhere)
                #expect(outcome.status == 0 && outcome.err.isEmpty)
                #expect(json["complete"] as? Bool == true)
                #expect((json["counts"] as? [String: Int])?["alive"] == 4)
                #expect((json["seeds"] as? [[String: Any]])?.count == 3)

                // Killed: suspect, then dead; stopped with SIGINT: left at once.
                net.signal(peers[0], SIGKILL)
                net.signal(peers[1], SIGINT)
                try waitUntil("the killed peer dead and the stopped one left", timeout: 10) {
                    listed = Self.peers(try Self.members(net, elsewhere: elsewhere).1)
                    return listed[peers[0].address]?.state == "dead" && listed[peers[1].address]?.state == "left"
                }
                #expect(listed[peers[2].address]?.state == "alive" && listed[peers[3].address]?.state == "alive")

                // The table, as a person reads it.
                let table = try Self.run("cluster", ["members", "--config", "../config.txt"], in: elsewhere)
                #expect(table.status == 0)
                #expect(table.out.hasPrefix("PEER"))
                #expect(table.out.contains("4 peers: 2 alive, 1 left, 1 dead; 3 of 3 seeds answered"))

                // A seed that does not answer: named on stderr, the others' list, exit 3.
                net.signal(seeds[0], SIGKILL)
                _ = try net.awaitExit(seeds[0])
                let partial = try Self.run("cluster", ["members", "--config", "../config.txt"], in: elsewhere)
                #expect(partial.status == 3)
                #expect(partial.err.contains("seed \(seeds[0].address) did not answer"))
                #expect(partial.out.contains("2 of 3 seeds answered"))
            }
        }

        /// Seeds on free ports: two runs in one directory at once do not collide.
        @Test func twoClusterRunsAtOnceBothSucceed() throws {
            try withNetwork { net in
                let arguments = ["--peers", "3", "--messages", "3", "--gossip-interval", "0.1", "--liveness-interval", "0.5"]
                let first = try net.launch("cluster", arguments)
                let second = try net.launch("cluster", arguments)
                #expect(try net.awaitExit(first, timeout: 60) == 0, "\(first.console)")
                #expect(try net.awaitExit(second, timeout: 60) == 0, "\(second.console)")
                for run in [first, second] {
                    #expect(run.console.contains("all peers: 18 of 18 (100.0 %)"), "\(run.console)")
                }
                let configs = try FileManager.default.contentsOfDirectory(atPath: net.logDirectory.path)
                    .filter { $0.hasPrefix("cluster-") && $0.hasSuffix(".config.txt") }
                #expect(configs.count == 2)
            }
        }

        /// The PIDs of the running children of `parent` (from /proc), with their command names.
        static func children(of parent: pid_t) -> [pid_t: String] {
            var found: [pid_t: String] = [:]
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                    let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
                else { continue }
                let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
                if fields.count > 1, pid_t(fields[1]) == parent { found[pid] = String(stat[stat.index(after: open)..<close]) }
            }
            return found
        }

        /// Whether `pid` is still a running seed or peer (not gone, not another program since).
        static func isNode(_ pid: pid_t) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
            return stat.contains("(seed)") || stat.contains("(peer)")
        }

        /// Ctrl-C reaches the terminal's whole foreground group; the children, in groups of
        /// their own, are stopped by the cluster, which reports and exits 130.
        @Test func ctrlCDuringStartUpStopsEveryChildAndExits130() throws {
            try withNetwork { net in
                let cluster = try net.launch("cluster", ["--peers", "100", "--log-dir", "logs"])
                let pid = cluster.process.processIdentifier
                var seen: [pid_t: String] = [:]
                try waitUntil("the cluster's first peer", timeout: 20) {
                    seen.merge(Self.children(of: pid)) { a, _ in a }
                    return seen.values.contains("peer")
                }
                // As a terminal's Ctrl-C: to the whole foreground process group, the cluster's.
                try #require(getpgid(pid) == pid, "the cluster runs in a process group of its own")
                kill(-pid, SIGINT)
                try waitUntil("the cluster to exit", timeout: 30) {
                    seen.merge(Self.children(of: pid)) { a, _ in a }
                    return !cluster.process.isRunning
                }
                #expect(cluster.process.terminationStatus == 130, "\(cluster.console)")
                #expect(cluster.console.contains("Stopping: SIGINT during start-up"), "\(cluster.console)")
                #expect(cluster.console.contains("Delivery to the "))
                #expect(seen.count >= 4)
                let survivors = seen.keys.filter(Self.isNode)
                #expect(survivors.isEmpty, "still running: \(survivors)")
                // Not one child had the terminal's signal: the cluster stopped each (SIGTERM).
                let logs = try FileManager.default.contentsOfDirectory(atPath: net.logDirectory.path)
                #expect(logs.filter { $0.hasSuffix(".txt") }.count >= 4)
                for name in logs where name.hasSuffix(".txt") && !name.hasPrefix("cluster-") {
                    let text = try String(contentsOf: net.logDirectory.appendingPathComponent(name), encoding: .utf8)
                    #expect(!text.contains("Received SIGINT"), "\(name) had the terminal's SIGINT")
                }
            }
        }

        /// A peer killed during the run is counted apart, not as a delivery failure; a run too
        /// short to create a message says nothing was measured, exit 3.
        @Test func aKilledPeerIsGoneNotAFailureAndNothingMeasuredIsExit3() throws {
            try withNetwork { net in
                let cluster = try net.launch(
                    "cluster", ["--peers", "4", "--messages", "30", "--gossip-interval", "0.1", "--liveness-interval", "0.5"])
                try waitUntil("the run to start", timeout: 20) { cluster.console.contains("Running 3 seeds and 4 peers") }
                let victim = try #require(Self.children(of: cluster.process.processIdentifier).first { $0.value == "peer" }?.key)
                kill(victim, SIGKILL)
                #expect(try net.awaitExit(cluster, timeout: 60) == 0, "\(cluster.console)")
                #expect(cluster.console.contains("Delivery to the 3 live peers"), "\(cluster.console)")
                #expect(cluster.console.contains("Gone during the run, not counted in delivery: 1 peer"))
                #expect(cluster.console.contains("exited (SIGKILL)"))

                let short = try net.launch("cluster", ["--peers", "2", "--duration", "0.5s"])
                #expect(try net.awaitExit(short, timeout: 30) == 3)
                #expect(short.console.contains("all peers: 0 of 0 (nothing measured)"), "\(short.console)")
                #expect(short.console.contains("Nothing was measured"))
            }
        }

        @Test func everyProgramHasHelpWithDefaultsAndOneVersion() throws {
            try withNetwork { net in
                var versions: Set<String> = []
                for program in ["seed", "peer", "cluster"] {
                    let help = try Self.run(program, ["--help"], in: net.directory)
                    #expect(help.status == 0)
                    #expect(help.out.hasPrefix("usage: \(program)"))
                    #expect(help.out.contains("(default: "))
                    let version = try Self.run(program, ["--version"], in: net.directory)
                    #expect(version.status == 0)
                    versions.insert(String(version.out.split(separator: " ").dropFirst().first ?? ""))
                }
                #expect(versions.count == 1)
                let clusterHelp = try Self.run("cluster", ["--help"], in: net.directory).out
                for command in ["members", "simulate", "bench", "lab", "report", "help"] {
                    #expect(clusterHelp.contains("\n  \(command) "), "cluster --help lacks \(command)")
                    let viaHelp = try Self.run("cluster", ["help", command], in: net.directory)
                    let viaOption = try Self.run("cluster", [command, "--help"], in: net.directory)
                    #expect(viaHelp.status == 0 && viaHelp.out == viaOption.out && viaHelp.out.hasPrefix("usage: cluster"))
                }
                #expect(try Self.run("cluster", ["help", "members"], in: net.directory).out.contains("--timeout D"))
                let unknown = try Self.run("cluster", ["help", "bogus"], in: net.directory)
                #expect(unknown.status == 2 && unknown.err.contains("no command 'bogus'"))
                // A unitless latency would be seconds: refused, naming the unit.
                let latency = try Self.run("cluster", ["simulate", "--latency", "5"], in: net.directory)
                #expect(latency.status == 2 && latency.err.contains("'5' has no unit"))
            }
        }

        /// `localhost` as --host and in the config file; 0.0.0.0 needs --advertise.
        @Test func hostNamesAreResolvedAtStartAndEveryInterfaceNeedsAnAdvertisedAddress() throws {
            try withNetwork { net in
                let seed = try net.launch("seed", ["--port", "0", "--host", "localhost", "--log-dir", "logs"])
                seed.port = try net.awaitListeningPort(seed)
                try "localhost:\(seed.port)\n".write(
                    to: net.directory.appendingPathComponent("config.txt"), atomically: true, encoding: .utf8)
                let peer = try net.launch("peer", ["--port", "0", "--host", "localhost", "--log-dir", "logs"])
                peer.port = try net.awaitListeningPort(peer)
                try waitUntil("the peer registered", timeout: 10) {
                    net.logged(peer) { if case .registered(seeds: 1, _, _) = $0 { true } else { false } }
                }

                let everywhere = try net.launch("peer", ["--port", "0", "--host", "0.0.0.0"])
                #expect(try net.awaitExit(everywhere) == 2)
                #expect(everywhere.console.contains("add --advertise ADDR"))
                let advertised = try net.launch(
                    "peer", ["--port", "0", "--host", "0.0.0.0", "--advertise", "localhost", "--log-dir", "logs"])
                advertised.port = try net.awaitListeningPort(advertised)
                try waitUntil("the advertised peer registered", timeout: 10) {
                    net.logged(seed) { $0.kind == .peerRegistered && $0.subject?.description == "127.0.0.1:\(advertised.port)" }
                }
                let unresolvable = try net.launch("peer", ["--port", "0", "--host", "no-such-host.invalid"])
                #expect(try net.awaitExit(unresolvable) == 2)
                #expect(unresolvable.console.contains("cannot resolve 'no-such-host.invalid'"))
            }
        }
    }
}
