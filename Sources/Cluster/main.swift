import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// `cluster`'s subcommands: each one's name, what it does in a line, its help and its entry.
/// `cluster --help` lists them; `cluster help COMMAND` and `cluster COMMAND --help` print one's help.
struct Subcommand: Sendable {
    var name: String
    var summary: String
    var help: @Sendable () -> String
    var run: @Sendable ([String]) -> Int32

    static let all: [Subcommand] = [
        Subcommand(
            name: "members", summary: "the whole network as its seeds see it: every peer, its state, its seeds",
            help: { MembersCommand.table.text() }, run: MembersCommand.run),
        Subcommand(
            name: "send", summary: "a text message to the whole network, through a peer's control socket",
            help: { ControlCommands.sendTable.text() }, run: ControlCommands.send),
        Subcommand(
            name: "monitor", summary: "a node's (or every node's) log events live, as text or JSON",
            help: { MonitorCommand.table.text() }, run: MonitorCommand.run),
        Subcommand(
            name: "status", summary: "a node's (or every node's) counters: links, messages, texts, dead reports",
            help: { ControlCommands.statusTable.text() }, run: ControlCommands.status),
        Subcommand(
            name: "leave", summary: "stop a node as Ctrl-C would (a peer says it leaves first)",
            help: { ControlCommands.leaveTable.text() }, run: ControlCommands.leave),
        Subcommand(
            name: "simulate", summary: "the protocol at scale (100,000 peers) in virtual time, deterministic",
            help: { SimulateCommand.table.text() }, run: SimulateCommand.run),
        Subcommand(
            name: "bench", summary: "benchmarks of the real programs: dissemination, throughput, footprint, detection",
            help: { BenchCommand.usage }, run: BenchCommand.run),
        Subcommand(
            name: "lab", summary: "the real programs in network namespaces under loss, partitions, kills (root)",
            help: { LabOptions.usage }, run: LabCommand.run),
        Subcommand(
            name: "report", summary: "one HTML page of a run's logs, a simulation or benchmarks",
            help: { ReportCommand.usage }, run: ReportCommand.run),
        Subcommand(
            name: "swarm", summary: "loads a running seed with thousands of pseudo-peers that register and renew",
            help: { SwarmCommand.usage }, run: SwarmCommand.run),
        Subcommand(
            name: "help", summary: "this list, or a command's help: cluster help COMMAND",
            help: {
                "usage: cluster help [COMMAND]\nPrints the list of commands, or COMMAND's options with their meanings and defaults."
            },
            run: helpCommand),
    ]

    static func named(_ name: String) -> Subcommand? { all.first { $0.name == name } }
}

/// `cluster --help`: the run's options, then every subcommand.
func clusterHelp() -> String {
    var text = ClusterOptions.table.text()
    text += "\n\nCommands (each takes --help; also: cluster help COMMAND):\n"
    let width = (Subcommand.all.map(\.name.count).max() ?? 0) + 4
    for command in Subcommand.all {
        text += "  " + command.name + String(repeating: " ", count: width - command.name.count) + command.summary + "\n"
    }
    return text
}

/// `cluster help [COMMAND]`.
func helpCommand(_ arguments: [String]) -> Int32 {
    guard let name = arguments.first else {
        NodeLauncher.standardError(clusterHelp(), to: STDOUT_FILENO)
        return 0
    }
    if name == "--help" || name == "-h" {
        NodeLauncher.standardError(Subcommand.named("help")!.help() + "\n", to: STDOUT_FILENO)
        return 0
    }
    if name == "run" {
        NodeLauncher.standardError(ClusterOptions.table.text() + "\n", to: STDOUT_FILENO)
        return 0
    }
    guard let command = Subcommand.named(name) else {
        let names = Subcommand.all.map(\.name).joined(separator: ", ")
        NodeLauncher.standardError("cluster help: no command '\(name)' (commands: \(names))\n")
        return 2
    }
    NodeLauncher.standardError(command.help() + "\n", to: STDOUT_FILENO)
    return 0
}

/// `cluster`: the one command a newcomer runs. See `ClusterOptions.table`.
func main() -> Int32 {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if let first = arguments.first, let command = Subcommand.named(first) {
        let rest = Array(arguments.dropFirst())
        if command.name != "help", rest.contains("--help") || rest.contains("-h") {
            NodeLauncher.standardError(command.help() + "\n", to: STDOUT_FILENO)
            return 0
        }
        if rest.contains("--version") {
            NodeLauncher.standardError(GossipVersion.line(program: "cluster") + "\n", to: STDOUT_FILENO)
            return 0
        }
        return command.run(rest)
    }
    if arguments.contains("--help") || arguments.contains("-h") {
        NodeLauncher.standardError(clusterHelp(), to: STDOUT_FILENO)
        return 0
    }
    if arguments.contains("--version") {
        NodeLauncher.standardError(GossipVersion.line(program: "cluster") + "\n", to: STDOUT_FILENO)
        return 0
    }
    if let first = arguments.first, !first.hasPrefix("-") {
        let names = Subcommand.all.map(\.name).joined(separator: ", ")
        NodeLauncher.standardError("cluster: no command '\(first)' (commands: \(names); see 'cluster --help')\n")
        return 2
    }
    return ClusterRun.main(arguments)
}

exit(main())
