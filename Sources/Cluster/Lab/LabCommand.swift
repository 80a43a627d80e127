import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// `cluster lab`: the real programs in network namespaces, with faults (see `LabOptions.usage`).
enum LabCommand {
    static func run(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            NodeLauncher.standardError(LabOptions.usage + "\n", to: STDOUT_FILENO)
            return 0
        }
        let options: LabOptions
        do { options = try LabOptions(parsing: arguments) } catch {
            NodeLauncher.standardError("cluster lab: \(error) (see 'cluster lab --help')\n")
            return 2
        }
        let tools: (ip: String, nft: String)
        let interrupts: Interrupts
        let directory = options.directory ?? "/tmp/gossip-lab-\(getpid())"
        do {
            tools = try LabShell.tools()
            interrupts = Interrupts(signals: try SignalPipe())
            try Files.makeDirectory(directory)
        } catch {
            NodeLauncher.standardError("cluster lab: \(error)\n")
            return 1
        }
        let topology = LabTopology(pid: getpid(), ip: tools.ip, nft: tools.nft, directory: directory)
        let run = LabRun(options: options, directory: directory, topology: topology, interrupts: interrupts)
        var outcome: BenchError?
        do { try run.run() } catch { outcome = error }
        // The nodes are stopped and reaped by now (`run` does it on every path); remove the network.
        let left = topology.remove()
        if !left.isEmpty { NodeLauncher.standardError("cluster lab: could not remove \(left.joined(separator: " "))\n") }
        if let outcome {
            NodeLauncher.standardError("cluster lab: \(outcome); every node stopped, namespaces removed\n")
            if case .interrupted = outcome { return 130 }
            return 1
        }
        var report = LabReport(run: run, command: (["cluster", "lab"] + arguments).joined(separator: " "))
        report.namespacesLeft = left
        NodeLauncher.standardError(report.summary() + "\n", to: STDOUT_FILENO)
        if let path = options.json {
            do { try LabShell.write(report.json().text() + "\n", to: path) } catch {
                NodeLauncher.standardError("cluster lab: \(error)\n")
                return 1
            }
        }
        return left.isEmpty ? 0 : 1
    }
}
