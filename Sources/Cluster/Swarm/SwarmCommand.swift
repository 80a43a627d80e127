import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// `cluster swarm`: loads one running seed with N pseudo-peers, to measure a seed at scale
/// (docs/LIMITS.md, "Seeds at scale"). Each pseudo-peer registers from its own loopback address
/// (127.0.X.Y), answers the seed's probe of that address as a peer would, keeps its
/// registration connection and renews on it (`Register` again) at the peers' pace: every other
/// liveness interval, at a random phase. It prints the registration time, then every 10 s the
/// seed's CPU use and RSS (with `--seed-pid`), and what one `poll` over its own N connections
/// costs, the call a seed makes once per turn.
enum SwarmCommand {
    static let usage = """
        usage: cluster swarm --seed-port N [--seed-pid PID] [--peers N] [--renew D] [--duration D]
          --seed-port N  the seed to load, on 127.0.0.1 (start it yourself, e.g. a release build)
          --seed-pid PID that seed's process, for its CPU and RSS figures
          --peers N      pseudo-peers (default 10000); the process raises its descriptor limit
          --renew D      time between two renewals of one pseudo-peer (default 26s: every other
                         13 s liveness interval, as peers do)
          --duration D   how long to keep renewing after everyone registered (default 60s)
        """

    static func run(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            NodeLauncher.standardError(usage + "\n", to: STDOUT_FILENO)
            return 0
        }
        var reader = ArgumentReaderShim(arguments)
        var seedPort = 0
        var seedPid: Int32?
        var peers = 10_000
        var renew: Duration = .seconds(26)
        var duration: Duration = .seconds(60)
        while let option = reader.next() {
            guard let value = reader.next() else { return fail("\(option) needs a value") }
            switch option {
            case "--seed-port": seedPort = Int(value) ?? 0
            case "--seed-pid": seedPid = Int32(value)
            case "--peers": peers = Int(value) ?? 0
            case "--renew": renew = DurationText.parse(value) ?? .zero
            case "--duration": duration = DurationText.parse(value) ?? .zero
            default: return fail("unknown option \(option)")
            }
        }
        guard (1...65535).contains(seedPort), (1...60_000).contains(peers), renew > .zero, duration > .zero else {
            return fail("bad options")
        }
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        var swarm = Swarm(seedPort: seedPort, count: peers)
        let cpuBefore = seedPid.map(ProcessCPU.seconds) ?? 0
        let started = SystemClock.monotonic()
        let registered = swarm.registerAll()
        let took = SystemClock.monotonic() - started
        let cpu = (seedPid.map(ProcessCPU.seconds) ?? 0) - cpuBefore
        print("registered \(registered) of \(peers) in \(took.secondsText); seed CPU meanwhile \(format(cpu)) s, RSS \(seedPid.map(ProcessCPU.residentMiB) ?? 0) MiB")
        swarm.renewAll(every: renew, for: duration, seedPid: seedPid)
        swarm.close()
        return registered == peers ? 0 : 1
    }

    static func fail(_ problem: String) -> Int32 {
        NodeLauncher.standardError("cluster swarm: \(problem) (see 'cluster swarm --help')\n")
        return 2
    }

    static func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

/// Options as `--name value` pairs.
struct ArgumentReaderShim {
    var items: [String]
    init(_ items: [String]) { self.items = items }
    mutating func next() -> String? { items.isEmpty ? nil : items.removeFirst() }
}

/// /proc figures of a process.
enum ProcessCPU {
    static func seconds(_ pid: Int32) -> Double {
        guard let stat = try? Files.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func residentMiB(_ pid: Int32) -> Int {
        guard let status = try? Files.read("/proc/\(pid)/status") else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
        }
        return 0
    }
}

/// The pseudo-peers and their sockets.
struct Swarm {
    let seedPort: Int
    let count: Int
    var addresses: [String] = []
    var connections: [Int32] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)

    init(seedPort: Int, count: Int) {
        self.seedPort = seedPort
        self.count = count
    }

    /// Registers everyone, at most 256 waiting for an answer at a time; returns how many were
    /// answered with a `Peer List`.
    mutating func registerAll() -> Int {
        struct Waiting {
            var address: String
            var listener: Int32
            var connection: Int32
            var buffer: [UInt8] = []
        }
        var waiting: [Waiting] = []
        var probes: [(fd: Int32, owner: String, buffer: [UInt8])] = []
        var next = 0
        var listed = 0
        var set: [pollfd] = []
        let deadline = SystemClock.monotonic() + .seconds(300)
        while (next < count || !waiting.isEmpty) && SystemClock.monotonic() < deadline {
            while next < count, waiting.count < 256 {
                let host: UInt32 = 0x7F00_0000 | UInt32(1 + next / 250) << 8 | UInt32(1 + next % 250)
                guard let (listener, port) = Self.listen(on: host), let connection = Self.connect(from: host, toPort: seedPort) else {
                    next += 1
                    continue
                }
                let local = "127.0.\(1 + next / 250).\(1 + next % 250):\(port)"
                Self.send(connection, "Register:\(local)\n")
                waiting.append(Waiting(address: local, listener: listener, connection: connection))
                next += 1
            }
            set.removeAll(keepingCapacity: true)
            for entry in waiting {
                set.append(pollfd(fd: entry.connection, events: Int16(POLLIN), revents: 0))
                set.append(pollfd(fd: entry.listener, events: Int16(POLLIN), revents: 0))
            }
            for probe in probes { set.append(pollfd(fd: probe.fd, events: Int16(POLLIN), revents: 0)) }
            guard poll(&set, nfds_t(set.count), 10) > 0 else { continue }
            var stillProbing: [(fd: Int32, owner: String, buffer: [UInt8])] = []
            for (index, probe) in probes.enumerated() {
                var probe = probe
                if set[2 * waiting.count + index].revents != 0 {
                    let n = chunk.withUnsafeMutableBytes { recv(probe.fd, $0.baseAddress, $0.count, 0) }
                    if n > 0 { probe.buffer += chunk[..<n] }
                    if n <= 0 {
                        Glibc.close(probe.fd)
                        continue
                    }
                }
                guard let newline = probe.buffer.firstIndex(of: 10) else {
                    stillProbing.append(probe)
                    continue
                }
                let request = String(decoding: probe.buffer[..<newline], as: UTF8.self)
                Self.send(probe.fd, "Liveness Reply:\(request.dropFirst("Liveness Request:".count)):\(probe.owner)\n")
                Glibc.close(probe.fd)
            }
            probes = stillProbing
            var stillWaiting: [Waiting] = []
            for (index, entry) in waiting.enumerated() {
                var entry = entry
                if set[2 * index + 1].revents != 0 {
                    while case let accepted = accept(entry.listener, nil, nil), accepted >= 0 {
                        _ = fcntl(accepted, F_SETFL, fcntl(accepted, F_GETFL) | O_NONBLOCK)
                        probes.append((accepted, entry.address, []))
                    }
                }
                if set[2 * index].revents != 0 {
                    let n = chunk.withUnsafeMutableBytes { recv(entry.connection, $0.baseAddress, $0.count, 0) }
                    if n > 0 { entry.buffer += chunk[..<n] }
                    if n == 0 {
                        Glibc.close(entry.listener)
                        Glibc.close(entry.connection)
                        continue
                    }
                }
                guard let newline = entry.buffer.firstIndex(of: 10) else {
                    stillWaiting.append(entry)
                    continue
                }
                Glibc.close(entry.listener)
                if entry.buffer[..<newline].starts(with: Array("Peer List:".utf8)) {
                    listed += 1
                    addresses.append(entry.address)
                    connections.append(entry.connection)
                } else {
                    Glibc.close(entry.connection)
                }
            }
            waiting = stillWaiting
        }
        return listed
    }

    /// Renews every pseudo-peer once per `interval` (each at its own phase) and reads the
    /// answers, for `duration`; every 10 s prints the seed's figures and the cost of a `poll`
    /// over this process's own connections.
    mutating func renewAll(every interval: Duration, for duration: Duration, seedPid: Int32?) {
        let start = SystemClock.monotonic()
        let n = connections.count
        guard n > 0 else { return }
        // Pseudo-peer i renews at start + phase(i) + k × interval.
        let step = interval.wholeNanoseconds / Int64(n)
        var nextIndex = 0
        var round: Int64 = 0
        var set = connections.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        // What one `poll` over N idle TCP connections costs, waiting for nothing: the kernel's
        // share of a seed's turn with N registered peers.
        // CPU time of this thread, not wall time: on a busy machine the wall clock counts others' turns.
        func threadCPU() -> Int64 {
            var spec = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
            return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
        }
        let probeStart = threadCPU()
        for _ in 0..<200 { _ = poll(&set, nfds_t(set.count), 0) }
        let perCall = (threadCPU() - probeStart) / 200 / 1000
        print("one poll(2) over \(n) idle connections, not waiting: \(perCall) µs of CPU (mean of 200)")
        for index in set.indices { set[index].revents = 0 }
        var lastReport = start
        var cpuAtReport = seedPid.map(ProcessCPU.seconds) ?? 0
        var renewals = 0
        while SystemClock.monotonic() - start < duration {
            let now = SystemClock.monotonic()
            // Renewals due by now.
            while true {
                let due = start + .nanoseconds(round * interval.wholeNanoseconds + Int64(nextIndex) * step)
                guard due <= now else { break }
                Self.send(connections[nextIndex], "Register:\(addresses[nextIndex])\n")
                renewals += 1
                nextIndex += 1
                if nextIndex == n {
                    nextIndex = 0
                    round += 1
                }
            }
            let ready = poll(&set, nfds_t(set.count), 5)
            if ready > 0 {
                for index in set.indices where set[index].revents != 0 {
                    _ = chunk.withUnsafeMutableBytes { recv(set[index].fd, $0.baseAddress, $0.count, 0) }
                    set[index].revents = 0
                }
            }
            if SystemClock.monotonic() - lastReport >= .seconds(10) {
                let cpu = seedPid.map(ProcessCPU.seconds) ?? 0
                let seconds = Double((SystemClock.monotonic() - lastReport).wholeNanoseconds) / 1e9
                print(
                    "\((SystemClock.monotonic() - start).secondsText): \(renewals) renewals; seed CPU \(SwarmCommand.format((cpu - cpuAtReport) / seconds)) s/s, RSS \(seedPid.map(ProcessCPU.residentMiB) ?? 0) MiB"
                )
                lastReport = SystemClock.monotonic()
                cpuAtReport = cpu
                renewals = 0
            }
        }
    }

    mutating func close() {
        for fd in connections { Glibc.close(fd) }
        connections = []
    }

    static func address(_ host: UInt32, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = host.bigEndian
        return address
    }

    /// A listener on `host` (IPv4, host order), on a port the kernel chooses.
    static func listen(on host: UInt32) -> (fd: Int32, port: Int)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var local = address(host, port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && Glibc.listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else {
            Glibc.close(fd)
            return nil
        }
        return (fd, Int(UInt16(bigEndian: local.sin_port)))
    }

    /// A blocking connect from `host` to 127.0.0.1:`port`, then made non-blocking.
    static func connect(from host: UInt32, toPort port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var local = address(host, port: 0)
        var remote = address(0x7F00_0001, port: port)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, size) }
        }
        guard bound == 0, connected == 0 else {
            Glibc.close(fd)
            return nil
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }

    static func send(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { _ = Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
