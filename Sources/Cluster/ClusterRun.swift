import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// Runs a small network on this machine: the seeds of the config file and N peers, each a
/// child process of the real `seed` and `peer` programs.
final class ClusterRun {
    let options: ClusterOptions
    let seeds: [NodeAddress]
    private var children: [ChildProcess] = []
    private var peerLogs: [(peer: NodeAddress, path: String, offset: Int)] = []
    private let binaries = Paths.executableDirectory()

    init(options: ClusterOptions, seeds: [NodeAddress]) {
        self.options = options
        self.seeds = seeds
    }

    /// Returns the exit status: 0 when every peer got every message, 1 otherwise.
    func run(signals: borrowing SignalPipe) -> Int32 {
        defer { stopAll() }
        do {
            try startSeeds()
            try startPeers()
        } catch {
            say("cluster: \(error)")
            return 1
        }
        say(
            "Running \(seeds.count) seeds and \(options.peers) peers; logs in \(options.logDirectory)/ (seedlog_<port>.txt, peerlog_<port>.txt)"
        )
        for entry in peerLogs { say("  peer \(entry.peer): \(entry.path)") }
        let stopReason = waitForEnd(signals: signals)
        say("Stopping (\(stopReason))")
        let stoppedAt = SystemClock.wallMicroseconds()
        stopAll()
        let report = DeliveryReport(logs: peerLogs)
        say(report.table())
        if let path = options.reportPath, !writeReport(to: path, stoppedAt: stoppedAt) { return 1 }
        return report.isComplete ? 0 : 1
    }

    private func startSeeds() throws(RuntimeError) {
        for seed in seeds {
            let log = logPath("seedlog", seed.port)
            let offset = ProcessProbe.fileSize(log) ?? 0
            let hostText: String
            if case .ipv6 = seed.host {
                hostText = String(seed.host.description.dropFirst().dropLast())
            } else {
                hostText = seed.host.description
            }
            let child = try ChildProcess(
                path: binaries + "/seed",
                arguments: ["--port", "\(seed.port)", "--host", hostText, "--log-dir", options.logDirectory]
                    // Seeds pace their checks by the peers' liveness interval.
                    + options.timing.seedArguments + options.keyArguments,
                name: "seed \(seed)")
            children.append(child)
            try awaitListening(child, log: log, offset: offset)
            say("Seed \(seed) started (pid \(child.pid)), log \(log)")
        }
    }

    private func startPeers() throws(RuntimeError) {
        for _ in 0..<options.peers {
            var attempts = 0
            while true {
                attempts += 1
                guard let port = Paths.freePort(host: .loopback) else { throw RuntimeError("no free port for a peer") }
                let log = logPath("peerlog", port)
                let offset = ProcessProbe.fileSize(log) ?? 0
                let child = try ChildProcess(
                    path: binaries + "/peer",
                    arguments: ["--port", "\(port)", "--config", options.configPath, "--log-dir", options.logDirectory]
                        + options.timing.arguments + options.keyArguments,
                    name: "peer 127.0.0.1:\(port)")
                children.append(child)
                do {
                    try awaitListening(child, log: log, offset: offset)
                } catch {
                    // Another program may have taken the port since it was free; try another.
                    if attempts < 3 { continue }
                    throw error
                }
                peerLogs.append((NodeAddress(host: .loopback, port: port), log, offset))
                break
            }
        }
    }

    /// Waits until the node's log says it listens, or fails if it exits first.
    private func awaitListening(_ child: ChildProcess, log: String, offset: Int) throws(RuntimeError) {
        let deadline = SystemClock.monotonic() + .seconds(10)
        while SystemClock.monotonic() < deadline {
            if let text = try? Files.read(log), text.utf8.count > offset,
                String(decoding: text.utf8.dropFirst(offset), as: UTF8.self).contains(" listening on ")
            {
                return
            }
            if child.poll() {
                throw RuntimeError(
                    "\(child.name) exited with status \(child.exitStatus ?? -1) before listening (its error is above)")
            }
            usleep(10_000)
        }
        throw RuntimeError("\(child.name) did not start listening within 10 s")
    }

    private func waitForEnd(signals: borrowing SignalPipe) -> String {
        let start = SystemClock.monotonic()
        let settings = options.peerSettings
        // Without --duration: until delivery is complete, or long after it should have been.
        let expectedEnd = settings.gossipInterval * settings.messageCount + settings.livenessInterval * 2 + .seconds(10)
        let limit = options.duration ?? expectedEnd
        var lastCheck = start
        var reported: Set<pid_t> = []
        while true {
            var pollSet = [pollfd(fd: signals.readEnd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&pollSet, 1, 100)
            if let signal = signals.take() { return "received \(SignalPipe.name(signal))" }
            let now = SystemClock.monotonic()
            if now - start >= limit {
                return options.duration == nil ? "time limit reached before full delivery" : "duration reached"
            }
            for child in children where child.poll() && reported.insert(child.pid).inserted {
                say("Warning: \(child.name) exited with status \(child.exitStatus ?? -1)")
            }
            if options.duration == nil, now - lastCheck >= .milliseconds(500) {
                lastCheck = now
                let report = DeliveryReport(logs: peerLogs)
                let everyoneDone = report.rows.allSatisfy { $0.created.count == settings.messageCount }
                if everyoneDone && report.isComplete { return "every peer has every message" }
            }
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
            say("Report written to \(path)")
            return true
        } catch {
            say("cluster: report: \(error)")
            return false
        }
    }

    private func stopAll() {
        for child in children.reversed() { child.stop() }
        children.removeAll()
    }

    private func logPath(_ kind: String, _ port: UInt16) -> String {
        "\(options.logDirectory)/\(kind)_\(port).txt"
    }

    private func say(_ text: String) {
        NodeLauncher.standardError(text + "\n", to: STDOUT_FILENO)
    }
}
