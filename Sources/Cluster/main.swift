import Glibc
import GossipCore
import GossipRuntime

/// `cluster`: the one command a newcomer runs. See `ClusterOptions.usage`.
func main() -> Int32 {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.first == "simulate" { return SimulateCommand.run(Array(arguments.dropFirst())) }
    if arguments.first == "lab" { return LabCommand.run(Array(arguments.dropFirst())) }
    if arguments.first == "bench" { return BenchCommand.run(Array(arguments.dropFirst())) }
    if arguments.first == "report" { return ReportCommand.run(Array(arguments.dropFirst())) }
    if arguments.contains("--help") || arguments.contains("-h") {
        NodeLauncher.standardError(ClusterOptions.usage + "\n", to: STDOUT_FILENO)
        return 0
    }
    let options: ClusterOptions
    let config: SeedConfig
    do { options = try ClusterOptions(parsing: arguments) } catch {
        NodeLauncher.standardError("cluster: \(error) (see 'cluster --help')\n")
        return 2
    }
    do { config = try SeedConfig(parsing: try Files.read(options.configPath), file: options.configPath) } catch let error
        as ConfigError
    {
        NodeLauncher.standardError("cluster: \(error)\n")
        return 2
    } catch {
        NodeLauncher.standardError("cluster: \(error)\n")
        return 2
    }
    // A bad key file is said once, here, rather than by every node it would be given to.
    if let path = options.clusterKeyFile {
        do { _ = try ClusterKeyFile.read(path) } catch {
            NodeLauncher.standardError("cluster: \(error)\n")
            return 2
        }
    }
    do {
        try Files.makeDirectory(options.logDirectory)
        let signals = try SignalPipe()
        return ClusterRun(options: options, seeds: config.seeds).run(signals: signals)
    } catch {
        NodeLauncher.standardError("cluster: \(error)\n")
        return 1
    }
}

exit(main())
