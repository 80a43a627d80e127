import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// `cluster send`, `status` and `leave`: one command to one node's control socket (or, for
/// `status`, to every node's), its answer printed.
enum ControlCommands {
    static let sendTable = OptionTable(
        synopsis: "cluster send --via ADDR [--control-dir DIR] [--] TEXT...",
        summary: """
            Sends a text message to the whole network through the peer at ADDR (IP:port, on this machine): it
            floods it to its neighbours, and every peer logs it once (event textReceived, the text escaped).
            The words of TEXT are joined by single spaces; any character may be in it (a newline, a tab):
            it is sent escaped. At most 1,024 bytes of UTF-8.
            """,
        groups: [
            (
                "Options",
                [
                    OptionSpec("--via", "ADDR", default: "required", "the peer that sends it (its listen address)"),
                    ControlClient.directoryOption,
                ]
            )
        ],
        notes: """
            Exit status: 0 the peer took the text; 1 it refused it (the reason on standard error) or could not
            be reached; 2 a bad command line.
            """)

    static let statusTable = OptionTable(
        synopsis: "cluster status ADDR|--all [--control-dir DIR]",
        summary: """
            A node's counters, from its control socket: role, address, uptime, links (a peer) or members (a
            seed), messages created and received, texts sent and received, dead reports. --all: every node
            whose socket is in the control directory, each line prefixed with the node.
            """,
        groups: [
            (
                "Options",
                [OptionSpec("--all", default: "off", "every node in the control directory"), ControlClient.directoryOption]
            )
        ],
        notes: """
            Exit status: 0 every node answered; 3 some did not (named on standard error); 1 none did; 2 a bad
            command line.
            """)

    static let leaveTable = OptionTable(
        synopsis: "cluster leave ADDR [--control-dir DIR]",
        summary: """
            Stops the node at ADDR as Ctrl-C would: a peer first tells its seeds and neighbours that it leaves
            (the seeds list it as left), then exits 0; a seed stops.
            """,
        groups: [("Options", [ControlClient.directoryOption])],
        notes: "Exit status: 0 the node is leaving; 1 it could not be reached; 2 a bad command line.")

    static func send(_ arguments: [String]) -> Int32 {
        let via: NodeAddress
        let directory: String
        let text: String
        do {
            let (options, words) = try ControlClient.split(arguments, valued: ["--via", "--control-dir"], flags: [])
            guard let viaText = options.last(where: { $0.0 == "--via" })?.1 else { throw UsageError("--via ADDR is required") }
            via = try ControlClient.address(viaText)
            directory = options.last(where: { $0.0 == "--control-dir" })?.1 ?? ControlDirectory.defaultPath
            guard !words.isEmpty else { throw UsageError("no text to send") }
            text = words.joined(separator: " ")
            _ = try TextMessage.check(text)
        } catch {
            return usage("send", "\(error)")
        }
        guard let node = ControlClient.locate(via, in: directory, kinds: [.peer]) else {
            let seed = ControlClient.locate(via, in: directory, kinds: [.seed]) != nil
            return failure(
                "send",
                seed
                    ? "\(via) is a seed; texts are sent by peers"
                    : "no peer \(via) in \(directory) (is it running on this machine, with this --control-dir?)")
        }
        do {
            let answer = try ControlClient.ask(node, "send-escaped " + VisibleText.escaped(text))
            guard answer.end.hasPrefix("OK") else { return failure("send", "\(node.name) said: \(answer.end)") }
            return 0
        } catch {
            return failure("send", "\(node.name): \(error)")
        }
    }

    static func status(_ arguments: [String]) -> Int32 {
        let nodes: [ControlClient.Node]
        let all: Bool
        do {
            (nodes, all) = try targets(arguments, command: "status")
        } catch let error as UsageError {
            return usage("status", error.description)
        } catch {
            return failure("status", "\(error)")
        }
        var answered = 0
        for node in nodes {
            do {
                let answer = try ControlClient.ask(node, "status")
                guard answer.end.hasPrefix("OK") else {
                    NodeLauncher.standardError("cluster status: \(node.name) said: \(answer.end)\n")
                    continue
                }
                answered += 1
                let prefix = all ? "\(node.name): " : ""
                NodeLauncher.standardError(answer.lines.map { prefix + $0 + "\n" }.joined(), to: STDOUT_FILENO)
            } catch {
                NodeLauncher.standardError("cluster status: \(node.name) did not answer: \(error)\n")
            }
        }
        return answered == nodes.count ? 0 : answered == 0 ? 1 : 3
    }

    static func leave(_ arguments: [String]) -> Int32 {
        let nodes: [ControlClient.Node]
        do {
            let (list, all) = try targets(arguments, command: "leave")
            guard !all else { throw UsageError("leave takes one ADDR") }
            nodes = list
        } catch let error as UsageError {
            return usage("leave", error.description)
        } catch {
            return failure("leave", "\(error)")
        }
        do {
            let answer = try ControlClient.ask(nodes[0], "leave")
            guard answer.end.hasPrefix("OK") else { return failure("leave", "\(nodes[0].name) said: \(answer.end)") }
            return 0
        } catch {
            return failure("leave", "\(nodes[0].name): \(error)")
        }
    }

    /// `ADDR` or `--all`, and `--control-dir`: the nodes to ask.
    static func targets(_ arguments: [String], command: String) throws -> ([ControlClient.Node], all: Bool) {
        let (options, words) = try ControlClient.split(arguments, valued: ["--control-dir"], flags: ["--all"])
        let directory = options.last(where: { $0.0 == "--control-dir" })?.1 ?? ControlDirectory.defaultPath
        let all = options.contains { $0.0 == "--all" }
        if all {
            guard words.isEmpty else { throw UsageError("give ADDR or --all, not both") }
            var nodes = try ControlClient.all(in: directory)
            // A socket nobody answers on is what a killed node left (a node replaces it when it
            // starts on that address again): skipped, and counted.
            let live = nodes.filter { node in
                do throws(RuntimeError) {
                    close(try UnixSocket.connect(node.path))
                    return true
                } catch { return !error.description.contains("Connection refused") }
            }
            if live.count < nodes.count {
                NodeLauncher.standardError(
                    "cluster \(command): skipped \(nodes.count - live.count) sockets of nodes no longer running in \(directory)\n")
            }
            nodes = live
            guard !nodes.isEmpty else { throw RuntimeError("no running node's socket in \(directory)") }
            return (nodes, true)
        }
        guard words.count == 1 else { throw UsageError("give one ADDR (IP:port) or --all") }
        let address = try ControlClient.address(words[0])
        guard let node = ControlClient.locate(address, in: directory) else {
            throw RuntimeError("no node \(address) in \(directory) (is it running on this machine, with this --control-dir?)")
        }
        return ([node], false)
    }

    static func usage(_ command: String, _ problem: String) -> Int32 {
        NodeLauncher.standardError("cluster \(command): \(problem) (see 'cluster \(command) --help')\n")
        return 2
    }

    static func failure(_ command: String, _ problem: String) -> Int32 {
        NodeLauncher.standardError("cluster \(command): \(problem)\n")
        return 1
    }
}
