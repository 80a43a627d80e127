import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// One lab run: builds the namespaces, starts the nodes in them, plays the faults on
/// schedule, polls every seed's complete list every 250 ms, and at the end stops every node
/// (by PID, reaped) and removes the namespaces, on every path: normal end, error, SIGINT or
/// SIGTERM (`Interrupts`: every wait sleeps on the signal pipe).
final class LabRun {
    static let seedPort: UInt16 = 5000
    static let peerPort: UInt16 = 6000
    static let pollEvery: Int64 = 250_000

    final class Node {
        let name: String
        let namespace: String
        let address: NodeAddress
        let logDirectory: String
        var process: ChildProcess?
        init(name: String, namespace: String, address: NodeAddress, logDirectory: String) {
            self.name = name
            self.namespace = namespace
            self.address = address
            self.logDirectory = logDirectory
        }
    }

    /// A fault as played: which peers, from when to when (wall-clock microseconds).
    struct Played {
        var kind: LabOptions.Fault.Kind
        var targets: [NodeAddress]
        var start: Int64
        var end: Int64?
        /// For a seed restart: the seed, and the peers it listed when it was killed.
        var seed: Int?
        var listedBefore: Set<NodeAddress> = []
    }

    let options: LabOptions
    let directory: String
    let topology: LabTopology
    let interrupts: Interrupts
    private let binaries = Paths.executableDirectory()
    private(set) var seeds: [Node] = []
    private(set) var peers: [Node] = []
    private(set) var seedLogs: [SeedLog] = []
    private(set) var peerLogs: [PeerLog] = []
    private(set) var startWall: Int64 = 0
    private(set) var endWall: Int64 = 0
    private(set) var played: [Played] = []
    /// Peers killed or gone (left), and when.
    private(set) var gone: [NodeAddress: Int64] = [:]
    /// Per seed: for each peer, the times its listing changed (true: listed).
    private(set) var history: [[NodeAddress: [(at: Int64, listed: Bool)]]] = []
    private var current: [Set<NodeAddress>] = []
    private(set) var polls: [(ok: Int, failed: Int)] = []
    private(set) var finalLists: [MembersQuery.Answer?] = []
    /// When each seed last started (its registrations since then are what it should list).
    private(set) var seedStarts: [Int64] = []
    private(set) var warnings: [String] = []
    private var query: MembersQuery?
    private var downSeeds: Set<Int> = []
    private var faulted: Set<NodeAddress> = []
    /// Peers accused by a forged report: healthy, and left out of any other fault.
    private var forged: Set<NodeAddress> = []
    private var random: SeededRandom

    init(options: LabOptions, directory: String, topology: LabTopology, interrupts: Interrupts) {
        self.options = options
        self.directory = directory
        self.topology = topology
        self.interrupts = interrupts
        random = SeededRandom(seed: options.rngSeed ?? UInt64(SystemClock.wallMicroseconds()))
    }

    /// Runs the whole lab; the caller removes the topology afterwards, whatever happens.
    func run() throws(BenchError) {
        defer { stopAll() }
        do {
            try topology.build(seeds: options.seeds, peers: options.peers, lossPercent: options.lossPercent)
            query = try MembersQuery(clientNamespace: topology.client)
        } catch { throw .failed(error.description) }
        try startNodes()
        try playSchedule()
        takeFinalLists()
        stopAll()
        for log in seedLogs { log.update() }
        for log in peerLogs { log.update() }
    }

    private func say(_ text: String) { NodeLauncher.standardError("lab: " + text + "\n") }

    // MARK: Nodes

    private func startNodes() throws(BenchError) {
        for index in 1...options.seeds {
            let address = NodeAddress(
                host: try! NodeAddress.parseHost(LabTopology.seedAddress(index)), port: Self.seedPort)
            seeds.append(
                Node(name: "s\(index)", namespace: topology.seedNamespace(index), address: address,
                     logDirectory: directory + "/s\(index)"))
        }
        for index in stride(from: 1, through: options.peers, by: 1) {
            let address = NodeAddress(
                host: try! NodeAddress.parseHost(LabTopology.peerAddress(index)), port: Self.peerPort)
            peers.append(
                Node(name: "p\(index)", namespace: topology.peerNamespace(index), address: address,
                     logDirectory: directory + "/p\(index)"))
        }
        do {
            try LabShell.write(
                "# seeds of this lab run\n" + seeds.map { "\($0.address)\n" }.joined(), to: directory + "/config.txt")
            for node in seeds + peers { try Files.makeDirectory(node.logDirectory) }
        } catch { throw .failed("\(error)") }
        seedLogs = seeds.map { SeedLog(path: "\($0.logDirectory)/seedlog_\(Self.seedPort).txt") }
        peerLogs = peers.map { PeerLog(path: "\($0.logDirectory)/peerlog_\(Self.peerPort).txt") }
        history = Array(repeating: [:], count: seeds.count)
        current = Array(repeating: [], count: seeds.count)
        polls = Array(repeating: (0, 0), count: seeds.count)
        seedStarts = Array(repeating: 0, count: seeds.count)
        for index in seeds.indices { try startSeed(index) }
        try awaitListening("seeds") { seedLogs.allSatisfy { $0.update(); return $0.listeningAt != nil } }
        for (index, peer) in peers.enumerated() {
            var arguments = [
                "--host", hostText(peer.address), "--port", "\(Self.peerPort)", "--config", directory + "/config.txt",
                "--log-dir", peer.logDirectory,
            ]
            if let seed = options.rngSeed { arguments += ["--rng-seed", "\(seed &+ 100 &+ UInt64(index))"] }
            peer.process = try spawn(peer, "peer", arguments + options.timing.arguments)
        }
        try awaitListening("peers") { peerLogs.allSatisfy { $0.update(); return $0.listeningAt != nil } }
        startWall = SystemClock.wallMicroseconds()
        say(
            "\(seeds.count) seeds (\(LabTopology.seedAddress(1))...) and \(peers.count) peers (\(LabTopology.peerAddress(1))...) started in namespaces \(topology.prefix)*; run directory \(directory)"
        )
    }

    private func startSeed(_ index: Int) throws(BenchError) {
        let seed = seeds[index]
        var arguments = ["--host", hostText(seed.address), "--port", "\(Self.seedPort)", "--log-dir", seed.logDirectory]
        // Seeds pace their checks by the peers' liveness interval (docs/PROTOCOL.md, "Membership").
        arguments += options.timing.seedArguments
        if let rng = options.rngSeed { arguments += ["--rng-seed", "\(rng &+ UInt64(index))"] }
        seed.process = try spawn(seed, "seed", arguments)
        seedStarts[index] = SystemClock.wallMicroseconds()
    }

    private func spawn(_ node: Node, _ program: String, _ arguments: [String]) throws(BenchError) -> ChildProcess {
        let command = topology.exec(in: node.namespace, binaries + "/" + program, arguments)
        do {
            return try ChildProcess(
                path: command.path, arguments: command.arguments, name: "\(program) \(node.address)",
                errorFile: "\(directory)/\(node.name).err")
        } catch { throw .failed(error.description) }
    }

    private func awaitListening(_ what: String, _ condition: () -> Bool) throws(BenchError) {
        let ok = try interrupts.wait(upTo: .seconds(15), every: 20) { () throws(BenchError) -> Bool in
            try checkChildren()
            return condition()
        }
        if !ok { throw .failed("the \(what) did not all start listening within 15 s") }
    }

    private func hostText(_ address: NodeAddress) -> String {
        let text = address.description
        return String(text[..<(text.lastIndex(of: ":") ?? text.endIndex)])
    }

    /// Fails when a node exited that the lab did not stop.
    private func checkChildren() throws(BenchError) {
        for node in seeds + peers {
            guard let process = node.process, process.poll() else { continue }
            node.process = nil
            if gone[node.address] != nil { continue }
            let error = (try? Files.read("\(directory)/\(node.name).err")) ?? ""
            let message = "\(process.name) exited with status \(process.exitStatus ?? -1)"
                + (error.isEmpty ? "" : ": " + error.split(separator: "\n").prefix(2).joined(separator: " / "))
            if startWall == 0 { throw .failed(message) }
            warnings.append(message)
            say("warning: " + message)
        }
    }

    // MARK: Faults

    private enum Step {
        case start(Int), end(Int), seedUp(Int)
    }

    private func playSchedule() throws(BenchError) {
        // (time from the start in µs, step); faults by index in options.faults.
        var agenda: [(at: Int64, order: Int, step: Step)] = []
        for (index, fault) in options.faults.enumerated() {
            let at = fault.at.wholeMicroseconds
            agenda.append((at, agenda.count, .start(index)))
            if let length = fault.length { agenda.append((at + length.wholeMicroseconds, agenda.count, .end(index))) }
        }
        var playedIndex: [Int: Int] = [:]
        let end = startWall + options.duration.wholeMicroseconds
        var nextPoll = startWall
        while true {
            let now = SystemClock.wallMicroseconds()
            if now >= end { break }
            agenda.sort { ($0.at, $0.order) < ($1.at, $1.order) }
            while let first = agenda.first, startWall + first.at <= now {
                agenda.removeFirst()
                switch first.step {
                case .start(let index):
                    if let record = try begin(options.faults[index]) {
                        playedIndex[index] = played.count
                        played.append(record)
                        if record.kind == .restartSeed {
                            agenda.append((first.at + options.seedGap.wholeMicroseconds, agenda.count, .seedUp(played.count - 1)))
                        }
                    }
                case .end(let index):
                    if let position = playedIndex[index] { try finish(position) }
                case .seedUp(let position):
                    guard let seed = played[position].seed else { break }
                    try startSeed(seed)
                    downSeeds.remove(seed)
                    played[position].end = SystemClock.wallMicroseconds()
                    say("seed \(seeds[seed].address) started again")
                }
            }
            if now >= nextPoll {
                pollSeeds()
                nextPoll += Self.pollEvery
                if nextPoll < now { nextPoll = now + Self.pollEvery }
            }
            try checkChildren()
            try interrupts.pause(milliseconds: 20)
        }
        endWall = SystemClock.wallMicroseconds()
    }

    /// Peers that can take a fault now: running, not under one already.
    private func available(_ count: Int) -> [Node] {
        var candidates = peers.filter {
            $0.process != nil && gone[$0.address] == nil && !faulted.contains($0.address) && !forged.contains($0.address)
        }
        candidates.shuffle(using: &random)
        return Array(candidates.prefix(count))
    }

    private func begin(_ fault: LabOptions.Fault) throws(BenchError) -> Played? {
        let count = fault.count < 1 ? max(1, Int((fault.count * Double(peers.count)).rounded())) : Int(fault.count)
        let seconds = "at \(BenchFormat.seconds(fault.at))"
        if fault.kind == .restartSeed {
            let index = 0
            guard let process = seeds[index].process else { return nil }
            pollSeeds()
            var record = Played(kind: .restartSeed, targets: [seeds[index].address], start: SystemClock.wallMicroseconds())
            record.seed = index
            record.listedBefore = current[index]
            kill(process.pid, SIGKILL)
            while !process.poll() { usleep(1000) }
            seeds[index].process = nil
            downSeeds.insert(index)
            say("\(seconds): seed \(seeds[index].address) killed (SIGKILL); it lists \(record.listedBefore.count) peers")
            return record
        }
        let victims = available(count)
        guard !victims.isEmpty else {
            say("\(seconds): no peer left for --\(fault.kind.rawValue)")
            return nil
        }
        let targets = victims.map(\.address)
        let at = SystemClock.wallMicroseconds()
        switch fault.kind {
        case .partition:
            do { try topology.cut(targets.map(hostText)) } catch { throw .failed(error.description) }
        case .freeze:
            for victim in victims { if let process = victim.process { kill(process.pid, SIGSTOP) } }
        case .kill:
            for victim in victims {
                guard let process = victim.process else { continue }
                kill(process.pid, SIGKILL)
                while !process.poll() { usleep(1000) }
                victim.process = nil
            }
        case .leave:
            for victim in victims { if let process = victim.process { kill(process.pid, SIGTERM) } }
        case .forge:
            // An outsider (the lab's client namespace) accuses live peers in another's name.
            for victim in victims {
                let accuser = peers.first { $0 !== victim && $0.process != nil }?.address ?? victim.address
                let line = Message.deadNode(dead: victim.address, timestamp: SystemClock.wall(), reporter: accuser).encoded
                for seed in seeds where seed.process != nil {
                    let answer = query?.say(line, to: seed.address).map(String.init) ?? "(no answer)"
                    say("\(seconds): forged '\(line)' to seed \(seed.address): \(answer)")
                }
            }
        case .restartSeed: break
        }
        let names = targets.map(\.description).joined(separator: ", ")
        say("\(seconds): \(fault.kind.rawValue) \(names)")
        if fault.kind == .kill || fault.kind == .leave {
            for target in targets { gone[target] = at }
        } else if fault.kind == .forge {
            forged.formUnion(targets)  // No fault: the accused is healthy; no other fault picks it.
        } else {
            faulted.formUnion(targets)
        }
        return Played(kind: fault.kind, targets: targets, start: at)
    }

    private func finish(_ position: Int) throws(BenchError) {
        let record = played[position]
        switch record.kind {
        case .partition:
            do { try topology.heal(record.targets.map(hostText)) } catch { throw .failed(error.description) }
        case .freeze:
            for peer in peers where record.targets.contains(peer.address) {
                if let process = peer.process { kill(process.pid, SIGCONT) }
            }
        default: break
        }
        played[position].end = SystemClock.wallMicroseconds()
        faulted.subtract(record.targets)
        say("\(BenchFormat.seconds(.microseconds(played[position].end! - startWall))): \(record.kind == .partition ? "healed" : "thawed") \(record.targets.map(\.description).joined(separator: ", "))")
    }

    // MARK: Seed lists

    private func pollSeeds() {
        guard let query else { return }
        for index in seeds.indices where !downSeeds.contains(index) {
            let at = SystemClock.wallMicroseconds()
            switch query.ask(seeds[index].address) {
            case .success(let answer):
                polls[index].ok += 1
                let listed = Set(answer.members.keys)
                for peer in listed.subtracting(current[index]) { history[index][peer, default: []].append((at, true)) }
                for peer in current[index].subtracting(listed) { history[index][peer, default: []].append((at, false)) }
                current[index] = listed
            case .failure:
                polls[index].failed += 1
            }
        }
    }

    private func takeFinalLists() {
        guard let query else { return }
        finalLists = seeds.indices.map { index in
            for _ in 0..<5 {
                if case .success(let answer) = query.ask(seeds[index].address) { return answer }
                usleep(100_000)
            }
            return nil
        }
    }

    /// SIGCONT to the frozen (a stopped process cannot act on SIGTERM), SIGTERM to every node,
    /// SIGKILL to any still there after 5 s; every one reaped, by PID.
    private func stopAll() {
        let running = (seeds + peers).compactMap(\.process)
        for process in running where !process.poll() {
            kill(process.pid, SIGCONT)
            kill(process.pid, SIGTERM)
        }
        let deadline = SystemClock.monotonic() + .seconds(5)
        while SystemClock.monotonic() < deadline && running.contains(where: { !$0.poll() }) { usleep(10_000) }
        for process in running where !process.poll() { kill(process.pid, SIGKILL) }
        for process in running { while !process.poll() { usleep(2_000) } }
        for node in seeds + peers { node.process = nil }
    }
}

extension Duration {
    var wholeMicroseconds: Int64 { wholeNanoseconds / 1000 }
}
