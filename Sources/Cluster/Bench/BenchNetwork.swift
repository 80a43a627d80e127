import Glibc
import GossipCore
import GossipRuntime

/// One network of real `seed` and `peer` processes on 127.0.0.1, in its own subdirectory of
/// the bench directory: `config.txt`, `logs/`, and each child's standard error in
/// `<program>-<port>.err`. `stop()` stops and reaps every child it started, by PID, and removes
/// the subdirectory.
final class BenchNetwork {
    struct Seed {
        let address: NodeAddress
        let process: ChildProcess
        let log: SeedLog
    }

    struct Peer {
        let address: NodeAddress
        let process: ChildProcess
        let log: PeerLog
    }

    let directory: String
    let logDirectory: String
    let configPath: String
    let binaries: String
    private let interrupts: Interrupts
    private(set) var seeds: [Seed] = []
    private(set) var peers: [Peer] = []
    private var children: [ChildProcess] = []
    /// Every node is started with this cluster key file, when set.
    let clusterKeyFile: String?
    /// Where each child's standard error goes, by PID.
    private var errorFiles: [pid_t: String] = [:]

    init(
        in root: BenchDirectory, name: String, binaries: String, interrupts: Interrupts, clusterKeyFile: String? = nil
    ) throws(BenchError) {
        self.clusterKeyFile = clusterKeyFile
        directory = try root.subdirectory(name)
        logDirectory = directory + "/logs"
        configPath = directory + "/config.txt"
        self.binaries = binaries
        self.interrupts = interrupts
        do { try Files.makeDirectory(logDirectory) } catch { throw .failed(error.description) }
    }

    /// Starts `count` seeds on free ports and writes `config.txt` listing them. `options`: the
    /// seed's own (its `--liveness-interval` must be the peers').
    func startSeeds(_ count: Int, options: [String] = []) throws(BenchError) {
        for _ in 0..<count {
            let (address, process) = try launch("seed", logPrefix: "seedlog", withInput: false) { port in
                ["--port", "\(port)", "--log-dir", self.logDirectory] + options
            }
            seeds.append(Seed(address: address, process: process, log: SeedLog(path: logPath("seedlog", address.port))))
        }
        let text = "# seeds of this benchmark network\n" + seeds.map { "\($0.address)\n" }.joined()
        let fd = open(configPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .failed("cannot write \(configPath): \(String(cString: strerror(errno)))") }
        var bytes = text
        bytes.withUTF8 { Files.writeAll(fd, UnsafeRawBufferPointer($0)) }
        close(fd)
    }

    /// Starts a peer on a free port with `options` (after `--port`, `--config`, `--log-dir`),
    /// and waits until it listens. With `withInput`, its standard input is a pipe for
    /// operator commands (`broadcast`).
    @discardableResult
    func startPeer(_ options: [String], withInput: Bool = false) throws(BenchError) -> Peer {
        let (address, process) = try launch("peer", logPrefix: "peerlog", withInput: withInput) { port in
            ["--port", "\(port)", "--config", self.configPath, "--log-dir", self.logDirectory] + options
        }
        let peer = Peer(address: address, process: process, log: PeerLog(path: logPath("peerlog", address.port)))
        peers.append(peer)
        return peer
    }

    func updateSeeds() { for seed in seeds { seed.log.update() } }
    func updatePeers() { for peer in peers where peer.process.exitStatus == nil { peer.log.update() } }

    /// The live peers (not killed by the bench, not exited).
    var livePeers: [Peer] { peers.filter { !$0.process.poll() } }

    /// Waits until every live peer has logged `Registered with` and, when it has anyone to link
    /// to, `Linked with`; then until no new `Linked with` line has appeared for `quiet`.
    func awaitOverlay(limit: Duration, quiet: Duration = .milliseconds(300)) throws(BenchError) {
        let live = livePeers
        let formed = try interrupts.wait(upTo: limit) { () throws(BenchError) -> Bool in
            try checkChildren()
            updatePeers()
            return live.allSatisfy { $0.log.registeredAt != nil && (live.count < 2 || $0.log.linkLines > 0) }
        }
        guard formed else {
            let waiting = live.filter { $0.log.registeredAt == nil || (live.count > 1 && $0.log.linkLines == 0) }
            throw .failed(
                "\(waiting.count) of \(live.count) peers had not registered and linked within \(limit): "
                    + waiting.prefix(5).map(\.address.description).joined(separator: ", "))
        }
        try settle(quiet: quiet, limit: .seconds(5))
    }

    /// Waits until no peer has logged a new `Linked with` line for `quiet`, at most `limit`.
    func settle(quiet: Duration, limit: Duration) throws(BenchError) {
        var lastCount = -1
        var quietSince = SystemClock.monotonic()
        _ = try interrupts.wait(upTo: limit) { () throws(BenchError) -> Bool in
            updatePeers()
            let count = peers.reduce(0) { $0 + $1.log.linkLines }
            let now = SystemClock.monotonic()
            if count != lastCount {
                lastCount = count
                quietSince = now
            }
            return now - quietSince >= quiet
        }
    }

    /// Fails when a node the bench started (and did not kill) has exited.
    func checkChildren() throws(BenchError) {
        for child in children where child.poll() && !killed.contains(child.pid) {
            throw .failed("\(child.name) exited with status \(child.exitStatus ?? -1)\(errorText(of: child))")
        }
    }

    private var killed: Set<pid_t> = []

    /// SIGKILLs the peer and reaps it; returns the wall-clock time (microseconds) just before
    /// the signal.
    func kill(_ peer: Peer) -> Int64 {
        killed.insert(peer.process.pid)
        let at = SystemClock.wallMicroseconds()
        if !peer.process.poll() { Glibc.kill(peer.process.pid, SIGKILL) }
        for _ in 0..<1000 where !peer.process.poll() { usleep(1000) }
        return at
    }

    /// SIGTERM to every child still running, SIGKILL to any not gone within 5 s; every child
    /// is reaped. Then the subdirectory is removed.
    func stop() {
        for child in children where !child.poll() { Glibc.kill(child.pid, SIGTERM) }
        var deadline = SystemClock.monotonic() + .seconds(5)
        while SystemClock.monotonic() < deadline && children.contains(where: { !$0.poll() }) { usleep(10_000) }
        for child in children where !child.poll() { Glibc.kill(child.pid, SIGKILL) }
        deadline = SystemClock.monotonic() + .seconds(10)
        while SystemClock.monotonic() < deadline && children.contains(where: { !$0.poll() }) { usleep(5_000) }
        children.removeAll()
        for seed in seeds { seed.log.tail.close() }
        for peer in peers { peer.log.tail.close() }
        BenchDirectory.removeTree(directory)
    }

    func logPath(_ prefix: String, _ port: UInt16) -> String { "\(logDirectory)/\(prefix)_\(port).txt" }

    /// Starts `program` on a free port and waits until its log says it listens. A port taken
    /// by someone else since it was free (exit 2, "in use") is retried on another port.
    private func launch(
        _ program: String, logPrefix: String, withInput: Bool, arguments: (UInt16) -> [String]
    ) throws(BenchError) -> (NodeAddress, ChildProcess) {
        for _ in 0..<5 {
            guard let port = Paths.freePort(host: .loopback) else { throw .failed("no free port for a \(program)") }
            let child: ChildProcess
            let errorFile = "\(directory)/\(program)-\(port).err"
            do {
                child = try ChildProcess(
                    path: binaries + "/" + program,
                    arguments: arguments(port) + (clusterKeyFile.map { ["--cluster-key-file", $0] } ?? []),
                    name: "\(program) 127.0.0.1:\(port)", withInput: withInput, errorFile: errorFile)
            } catch {
                throw .failed(error.description)
            }
            children.append(child)
            errorFiles[child.pid] = errorFile
            let log = logPath(logPrefix, port)
            let listening = try interrupts.wait(upTo: .seconds(10), every: 2) { () -> Bool in
                if let text = try? Files.read(log), Self.saysListening(text) { return true }
                return child.poll()
            }
            if child.poll() {
                let text = errorText(of: child)
                if child.exitStatus == 2 && text.contains("in use") { continue }
                throw .failed("\(child.name) exited with status \(child.exitStatus ?? -1)\(text)")
            }
            guard listening else { throw .failed("\(child.name) did not start listening within 10 s") }
            return (NodeAddress(host: .loopback, port: port), child)
        }
        throw .failed("could not find a free port for a \(program) in 5 attempts")
    }

    /// `: <its standard error>` when it wrote anything there.
    private func errorText(of child: ChildProcess) -> String {
        guard let path = errorFiles[child.pid], let text = try? Files.read(path), !text.isEmpty else { return "" }
        return ": " + text.split(separator: "\n").prefix(3).joined(separator: " / ")
    }

    /// Whether a node's log has its `seedListening` or `peerListening` event.
    static func saysListening(_ text: String) -> Bool {
        LogLines.lines(in: text).contains { line in
            switch EventParser.event(line) {
            case .seedListening?, .peerListening?: true
            default: false
            }
        }
    }

}
