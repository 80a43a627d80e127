import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// Runs a small network on this machine: seeds and N peers, each a child process of the real
/// `seed` and `peer` programs, each in a process group of its own (so the terminal's Ctrl-C
/// reaches the cluster alone, which stops them in order, during start-up too, and reports).
final class ClusterRun {
    /// A node the run started.
    final class Node {
        let child: ChildProcess
        let address: NodeAddress
        /// When the run saw it exit, and how (nil while it runs or until the run stops it).
        var gone: (after: Duration, how: String)?

        init(child: ChildProcess, address: NodeAddress) {
            self.child = child
            self.address = address
        }
    }

    /// Why the run ends before its end: a signal, or a node that cannot be started.
    enum Interruption: Error {
        case signal(Int32)
        case failed(String)
    }

    let options: ClusterOptions
    private let signals: SignalPipe
    private let binaries = Paths.executableDirectory()
    private let status: StatusLine
    private let started = SystemClock.monotonic()
    private var seeds: [Node] = []
    private var seedLogs: [SeedLog] = []
    private var peers: [Node] = []
    private var peerLogs: [PeerLog] = []
    /// The seed list the peers are given: the config file, or the one written for free ports.
    private var configPath = ""

    /// `cluster [OPTION...]`: parses, runs, returns the exit status (`ClusterOptions.table`'s notes).
    static func main(_ arguments: [String]) -> Int32 {
        let options: ClusterOptions
        do { options = try ClusterOptions(parsing: arguments) } catch {
            NodeLauncher.standardError("cluster: \(error) (see 'cluster --help')\n")
            return 2
        }
        for note in options.notes { NodeLauncher.standardError("cluster: \(note)\n") }
        var fixedSeeds: [NodeAddress]?
        if let path = options.configPath {
            do {
                fixedSeeds = try SeedConfig(parsing: try Files.read(path), file: path, resolve: HostResolver.resolve).seeds
            } catch {
                NodeLauncher.standardError("cluster: \(error)\n")
                return 2
            }
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
            return ClusterRun(options: options, signals: signals).run(fixedSeeds: fixedSeeds)
        } catch {
            NodeLauncher.standardError("cluster: \(error)\n")
            return 1
        }
    }

    init(options: ClusterOptions, signals: consuming SignalPipe) {
        self.options = options
        self.signals = signals
        status = StatusLine(interval: options.statusInterval)
    }

    func run(fixedSeeds: [NodeAddress]?) -> Int32 {
        defer { stopAll() }
        var stopReason: String
        var exitStatus: Int32?
        do throws(Interruption) {
            try startSeeds(fixedSeeds)
            try startPeers()
            status.say(
                "Running \(seeds.count) seeds and \(peers.count) peers; logs in \(options.logDirectory)/ "
                    + "(seedlog_<port>.txt, peerlog_<port>.txt), seed list \(configPath)")
            stopReason = try waitForEnd()
        } catch {
            switch error {
            case .signal(let number):
                stopReason = "\(SignalPipe.name(number))" + (peers.count < options.peers ? " during start-up" : "")
                exitStatus = 128 + number
            case .failed(let problem):
                status.clear()
                NodeLauncher.standardError("cluster: \(problem)\n")
                stopReason = "a node could not be started"
                exitStatus = 1
            }
        }
        let elapsed = SystemClock.monotonic() - started
        status.say(
            "Stopping: \(stopReason) after \(Self.seconds(elapsed)); stopping \((seeds + peers).filter { $0.gone == nil }.count) nodes"
        )
        let stoppedAt = SystemClock.wallMicroseconds()
        stopAll()
        for log in peerLogs { log.update() }
        let delivery = RunDelivery(peers: zip(peers, peerLogs).map { ($0.address, $1, $0.gone) })
        status.say(delivery.text(perPeer: options.perPeer ?? (peers.count <= ClusterOptions.tableLimit)))
        if delivery.expected == 0 {
            status.say(
                "Nothing was measured: no message created in the run reached a live peer in \(Self.seconds(elapsed)) "
                    + "(a peer creates its first --gossip-interval \(DurationText.format(options.peerSettings.gossipInterval)) after it starts)."
            )
        }
        if let path = options.reportPath, !peers.isEmpty, !writeReport(to: path, stoppedAt: stoppedAt) {
            exitStatus = exitStatus ?? 1
        }
        if let exitStatus { return exitStatus }
        if delivery.expected == 0 { return 3 }
        return delivery.isComplete ? 0 : 1
    }

    // MARK: Start-up

    /// The seeds: at the config file's addresses, or on free ports of 127.0.0.1 (then the seed
    /// list is written next to the logs for the peers, and for `cluster members --config`).
    private func startSeeds(_ fixed: [NodeAddress]?) throws(Interruption) {
        let planned = fixed ?? []
        let count = fixed?.count ?? options.seeds
        var pending: [(index: Int, node: Node, log: SeedLog, attempts: Int)] = []
        func spawn(_ index: Int, attempts: Int) throws(Interruption) {
            let address: NodeAddress
            if index < planned.count {
                address = planned[index]
            } else {
                guard let port = Paths.freePort(host: .loopback) else { throw .failed("no free port for a seed") }
                address = NodeAddress(host: .loopback, port: port)
            }
            let log = logPath("seedlog", address.port)
            // Where this run's lines begin: measured before the seed can write its first.
            let offset = Self.size(of: log)
            let child = try launch(
                "seed",
                ["--port", "\(address.port)", "--host", Self.hostArgument(address.host), "--log-dir", options.logDirectory]
                    // Seeds pace their checks by the peers' liveness interval.
                    + options.timing.seedArguments + options.keyArguments,
                name: "seed \(address)")
            pending.append((index, Node(child: child, address: address), SeedLog(path: log, from: offset), attempts))
        }
        for index in 0..<count { try spawn(index, attempts: 1) }
        var ready: [(Int, Node, SeedLog)] = []
        let deadline = SystemClock.monotonic() + Self.startLimit
        while !pending.isEmpty {
            try checkSignal()
            var still: [(index: Int, node: Node, log: SeedLog, attempts: Int)] = []
            var retries: [(index: Int, attempts: Int)] = []
            for entry in pending {
                entry.log.update()
                if entry.log.listeningAt != nil {
                    ready.append((entry.index, entry.node, entry.log))
                } else if entry.node.child.poll() {
                    // On a free port another program may have taken it since: try another.
                    guard fixed == nil, entry.attempts < 3 else {
                        throw .failed(
                            "\(entry.node.child.name) exited (\(entry.node.child.exitDescription)) before listening; its error is above"
                        )
                    }
                    retries.append((entry.index, entry.attempts + 1))
                } else {
                    still.append(entry)
                }
            }
            pending = still
            for retry in retries { try spawn(retry.index, attempts: retry.attempts) }
            if SystemClock.monotonic() > deadline, let late = pending.first {
                throw .failed("\(late.node.child.name) did not start listening within \(DurationText.format(Self.startLimit))")
            }
            if !pending.isEmpty { usleep(5_000) }
        }
        ready.sort { $0.0 < $1.0 }
        seeds = ready.map(\.1)
        seedLogs = ready.map(\.2)
        if let path = options.configPath {
            configPath = path
        } else {
            configPath = "\(options.logDirectory)/cluster-\(getpid()).config.txt"
            let text =
                "# The seeds of the cluster run \(getpid()) (cluster members --config \(configPath))\n"
                + seeds.map { "\($0.address)\n" }.joined()
            do { try ReportCommand.write(text, to: configPath) } catch { throw .failed("\(error)") }
        }
        status.say("Started \(seeds.count) seeds: " + seeds.map { "\($0.address)" }.joined(separator: ", "))
    }

    /// The peers, on free ports, at most 128 starting at a time (a bound on the processes
    /// between exec and listening; quick, since a peer that starts late misses the messages
    /// beyond the 1,024 its neighbours send a newcomer: docs/PROTOCOL.md, "Catching up").
    private func startPeers() throws(Interruption) {
        var pending: [(node: Node, log: PeerLog, attempts: Int, startedAt: Instant)] = []
        var launched = 0
        func spawn(attempts: Int) throws(Interruption) {
            guard let port = Paths.freePort(host: .loopback) else { throw .failed("no free port for a peer") }
            let log = logPath("peerlog", port)
            let offset = Self.size(of: log)
            let child = try launch(
                "peer",
                ["--port", "\(port)", "--config", configPath, "--log-dir", options.logDirectory] + options.timing.arguments
                    + options.keyArguments,
                name: "peer 127.0.0.1:\(port)")
            pending.append(
                (
                    Node(child: child, address: NodeAddress(host: .loopback, port: port)), PeerLog(path: log, from: offset),
                    attempts,
                    SystemClock.monotonic()
                ))
        }
        while peers.count < options.peers {
            try checkSignal()
            while pending.count < 128, launched < options.peers {
                try spawn(attempts: 1)
                launched += 1
            }
            var still: [(node: Node, log: PeerLog, attempts: Int, startedAt: Instant)] = []
            var retries: [Int] = []
            for entry in pending {
                entry.log.update()
                if entry.log.listeningAt != nil {
                    peers.append(entry.node)
                    peerLogs.append(entry.log)
                } else if entry.node.child.poll() {
                    guard entry.attempts < 3 else {
                        throw .failed(
                            "\(entry.node.child.name) exited (\(entry.node.child.exitDescription)) before listening; its error is above"
                        )
                    }
                    retries.append(entry.attempts + 1)
                } else {
                    still.append(entry)
                }
            }
            pending = still
            for attempts in retries { try spawn(attempts: attempts) }
            // Each peer has the limit from its own start: on a loaded machine 300 take a while.
            if let late = pending.first(where: { SystemClock.monotonic() - $0.startedAt > Self.startLimit }) {
                throw .failed("\(late.node.child.name) did not start listening within \(DurationText.format(Self.startLimit))")
            }
            status.show("Starting peers: \(peers.count) of \(options.peers) listening")
            if peers.count < options.peers { usleep(10_000) }
        }
    }

    /// A child in its own process group; its standard error is the cluster's (a node's error
    /// is one line naming the node), its standard output goes to /dev/null (nodes write logs).
    private func launch(_ program: String, _ arguments: [String], name: String) throws(Interruption) -> ChildProcess {
        do {
            let child = try ChildProcess(path: binaries + "/" + program, arguments: arguments, name: name, ownGroup: true)
            startedChildren.append(child)
            return child
        } catch { throw .failed(error.description) }
    }

    /// How long a node may take from its start to listening (a healthy one takes milliseconds).
    static let startLimit: Duration = .seconds(30)

    /// Every child ever started (those that failed to start and were replaced too), so that
    /// `stopAll` reaps them all.
    private var startedChildren: [ChildProcess] = []

    private func checkSignal() throws(Interruption) {
        if let signal = signals.take() { throw .signal(signal) }
    }

    // MARK: Running

    /// Waits for the end: full delivery (without `--duration`), the duration, or a signal.
    private func waitForEnd() throws(Interruption) -> String {
        let settings = options.peerSettings
        // Without --duration: until delivery is complete, or long after it should have been.
        let expectedEnd = settings.gossipInterval * settings.messageCount + settings.livenessInterval * 2 + .seconds(10)
        let limit = options.duration ?? expectedEnd
        let runStart = SystemClock.monotonic()
        var lastCheck: Instant?
        while true {
            var pollSet = [pollfd(fd: signals.readEnd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&pollSet, 1, 50)
            try checkSignal()
            let now = SystemClock.monotonic()
            noteExits(now: now)
            if now - runStart >= limit {
                return options.duration == nil ? "time limit reached before full delivery" : "duration reached"
            }
            if let lastCheck, now - lastCheck < .milliseconds(250) { continue }
            lastCheck = now
            for log in peerLogs { log.update() }
            let progress = RunProgress(peers: peers, logs: peerLogs)
            status.show(progress.line(elapsed: now - started, seeds: seeds.filter { $0.gone == nil }.count))
            if options.duration == nil, progress.everyoneCreated(settings.messageCount), progress.delivered == progress.expected {
                let exact = RunDelivery(peers: zip(peers, peerLogs).map { ($0.address, $1, $0.gone) })
                if exact.isComplete { return "every live peer has every message" }
            }
        }
    }

    /// Notes the nodes that exited on their own (killed, say): they are counted apart.
    private func noteExits(now: Instant) {
        for node in seeds + peers where node.gone == nil && node.child.poll() {
            node.gone = (now - started, node.child.exitDescription)
            status.clear()
            NodeLauncher.standardError(
                "cluster: \(node.child.name) exited (\(node.child.exitDescription)) after \(Self.seconds(now - started)); "
                    + (node.child.name.hasPrefix("peer")
                        ? "counted as gone, not in delivery\n" : "its peers use the other seeds\n"))
        }
    }

    /// `--report FILE`: the page `cluster report` makes of this run's log directory.
    /// Seeds' lines from `stoppedAt` on are this program stopping the peers, not the run's leaves.
    private func writeReport(to path: String, stoppedAt: Int64) -> Bool {
        let command = (["cluster"] + options.arguments).joined(separator: " ")
        do {
            let html = try ReportCommand.page(
                .init(inputs: [options.logDirectory], out: path), run: .init(command: command, stoppedAt: stoppedAt))
            try ReportCommand.write(html, to: path)
            status.say("Report written to \(path)")
            return true
        } catch {
            NodeLauncher.standardError("cluster: report: \(error)\n")
            return false
        }
    }

    /// Peers first (they leave, telling seeds that are still up), then seeds; each group all
    /// at once, SIGKILL after 5 s for a child that does not stop.
    private func stopAll() {
        ChildProcess.stopAll(startedChildren.filter { $0.name.hasPrefix("peer") })
        ChildProcess.stopAll(startedChildren)
        startedChildren.removeAll()
    }

    private func logPath(_ kind: String, _ port: UInt16) -> String {
        "\(options.logDirectory)/\(kind)_\(port).txt"
    }

    private static func size(of path: String) -> Int { ProcessProbe.fileSize(path) ?? 0 }

    /// A host as `--host` takes it: IPv6 without its brackets.
    static func hostArgument(_ host: NodeAddress.Host) -> String {
        if case .ipv6 = host { return String(host.description.dropFirst().dropLast()) }
        return host.description
    }

    /// `4.2 s`.
    static func seconds(_ duration: Duration) -> String {
        let tenths = Int(duration.components.seconds * 10 + duration.components.attoseconds / 100_000_000_000_000_000)
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
