import Foundation
import GossipCore
import Testing

/// A seed at scale (docs/PROTOCOL.md, "Seed connections"; docs/LIMITS.md, "Seeds at scale"):
/// ten thousand registered peers on one seed, unidentified connections closed at their
/// deadline, a per-host limit, and a refused peer that comes back once the flood is over.
extension ProcessTests {
    @Suite struct SeedScaleTests {
        /// Pseudo-peers (`PseudoPeers`) register from their own loopback addresses and answer
        /// the seed's probes there. The test process keeps one descriptor per pseudo-peer (the
        /// seed one per peer, and so 10,000 of them): both need a limit past 10,000, which
        /// any process may raise its soft limit to when the hard limit allows.
        @Test(.enabled(if: DescriptorLimits.hard >= 11_000, "the hard RLIMIT_NOFILE is below the 11,000 descriptors needed"))
        func tenThousandPeersRegisterWithOneSeedAndARealPeerStillJoins() throws {
            let count = 10_000
            let limits = try DescriptorLimits(raisedTo: 11_000)
            defer { limits.restore() }
            try withNetwork { net in
                let swarm = PseudoPeers(count: count)
                defer { swarm.close() }
                let seed = try net.launch("seed", ["--port", "0", "--log-dir", "logs"])
                seed.port = try net.awaitListeningPort(seed)
                // Killed before the swarm's sockets close: 10,000 closes at once are not this test.
                defer { net.signal(seed, SIGKILL) }

                let cpuBefore = ProcessFigures.cpuSeconds(of: seed.process.processIdentifier)
                let ownBefore = ProcessFigures.cpuSeconds(of: getpid())
                let started = Date()
                let registered = try swarm.register(withSeedOn: seed.port, timeout: 60)
                let elapsed = Date().timeIntervalSince(started)
                let own = ProcessFigures.cpuSeconds(of: getpid()) - ownBefore
                #expect(registered == count, "every pseudo-peer got its Peer List")
                let total = try Self.membersTotal(seedPort: seed.port)
                #expect(total == count)
                let cpu = ProcessFigures.cpuSeconds(of: seed.process.processIdentifier) - cpuBefore
                let rss = ProcessFigures.residentKiB(of: seed.process.processIdentifier)
                print(
                    "SeedScale: \(count) pseudo-peers registered (and verified) in \(String(format: "%.2f", elapsed)) s; seed CPU \(String(format: "%.2f", cpu)) s, RSS \(rss / 1024) MiB; \(swarm.probesAnswered) probes answered; test process CPU \(String(format: "%.2f", own)) s"
                )
                #expect(swarm.probesAnswered >= count, "every registration was probed before it was listed")

                // A real peer still registers, and is listed (127.0.0.1 sorts before every
                // 127.0.X.Y of the swarm: it is on the first page of the membership).
                try net.writeConfig([seed])
                let peer = try net.startPeer(["--messages", "0", "--liveness-interval", "5"])
                try waitUntil("the real peer to be listed", timeout: 20) {
                    try Self.firstMembersPage(seedPort: seed.port).contains("\(peer.address)=alive")
                }
                #expect(net.logged(peer) { if case .registered(seeds: 1, _, _) = $0 { true } else { false } })
                #expect(seed.process.isRunning)
            }
        }

        @Test func idleUnidentifiedConnectionsAreClosedAtTheirDeadline() throws {
            try withNetwork { net in
                let seed = try net.launch("seed", ["--port", "0", "--log-dir", "logs", "--identify-timeout", "2s"])
                seed.port = try net.awaitListeningPort(seed)
                // 2,000 from 8 hosts each (127.0.200.1 to .250): under the per-host limit.
                // Opening them can take longer than the deadline on a loaded host (the listen
                // backlog overflows and the kernel retries the handshake), so each connection is
                // judged against its own start: it may not close sooner than 2 s after its
                // `connect` began (the seed's clock starts at `accept`, later still).
                let opened = Date()
                var idle: [RawSocket] = []
                var began: [Date] = []
                defer { idle.forEach { $0.close() } }
                for n in 0..<2_000 {
                    began.append(Date())
                    idle.append(try RawSocket(from: "127.0.200.\(1 + n % 250)", toPort: seed.port))
                }
                var closedAt = [Date?](repeating: nil, count: idle.count)
                try waitUntil("every idle connection to be closed", timeout: 20) {
                    let now = Date()
                    for i in idle.indices where closedAt[i] == nil && idle[i].isClosedByPeer() { closedAt[i] = now }
                    return closedAt.allSatisfy { $0 != nil }
                }
                let early = idle.indices.filter { closedAt[$0]!.timeIntervalSince(began[$0]) < 2.0 }
                #expect(early.count == 0, "closed before their 2 s deadline")
                let closedAfter = Date().timeIntervalSince(opened)
                print("SeedScale: 2000 idle unidentified connections closed \(String(format: "%.2f", closedAfter)) s after the first opened (deadline 2 s)")
                let log = net.log(of: seed)
                let events = EventParser.events(inLog: log)
                #expect(events.contains { if case .unregisteredClosed(_, .seconds(2)) = $0 { true } else { false } })
                #expect(
                    events.contains { if case .unregisteredClosedMore(_, .seconds(2)) = $0 { true } else { false } },
                    "the rest counted, not named")
                #expect(try LineClient.listPeers(seedPort: seed.port) == [], "still serving")
            }
        }

        @Test func aPeerTurnedAwayByAFloodRetriesWithBackoffAndRegistersOnceItEnds() throws {
            try withNetwork { net in
                let seed = try net.launch(
                    "seed", ["--port", "0", "--log-dir", "logs", "--max-connections-per-host", "20", "--identify-timeout", "60s"])
                seed.port = try net.awaitListeningPort(seed)
                // The flood: every place 127.0.0.1 may hold, held by connections that say nothing.
                var flood = try (0..<20).map { _ in try LineClient(port: seed.port) }
                defer { flood.forEach { $0.close() } }
                let extra = try LineClient(port: seed.port)
                #expect(extra.readLine() == "Error:too many connections from 127.0.0.1 (20); try later")
                #expect(extra.awaitClose())

                try net.writeConfig([seed])
                let peer = try net.startPeer(["--messages", "0", "--liveness-interval", "1"])
                try waitUntil("the peer to be turned away three times", timeout: 20) {
                    Self.retryWaits(in: net.log(of: peer)).count >= 3
                }
                let waits = Self.retryWaits(in: net.log(of: peer))
                #expect(waits.count >= 3)
                #expect(zip(waits, waits.dropFirst()).allSatisfy { $1 > $0 }, "each wait longer than the last: \(waits)")
                #expect(waits.allSatisfy { $0 <= 4.0 }, "at most four intervals")

                flood.forEach { $0.close() }
                flood = []
                let ended = Date()
                try waitUntil("the peer to register once the flood is over", timeout: 15) {
                    net.logged(seed) { $0.kind == .peerRegistered && $0.subject?.description == peer.address }
                }
                print("SeedScale: a peer turned away by a flood (waits \(waits) s) registered \(String(format: "%.2f", Date().timeIntervalSince(ended))) s after it ended (backoff cap 4 s)")
                let refusals = net.count(seed) { $0.kind == .connectionRefused && $0.subject?.host == .loopback }
                #expect(refusals == 1, "one line, the rest counted")
            }
        }

        /// The waits a peer logged between attempts, in seconds, in order.
        static func retryWaits(in log: String) -> [Double] {
            EventParser.events(inLog: log).compactMap { event in
                if case .registrationFailedRetrying(_, let wait) = event { wait.seconds } else { nil }
            }
        }

        static func membersTotal(seedPort: Int) throws -> Int {
            let client = try LineClient(port: seedPort)
            client.send(line: "List Members:0")
            guard let line = client.readLine(), line.hasPrefix("Members:0:") else { throw TestFailure("no Members answer") }
            return Int(line.dropFirst("Members:0:".count).prefix { $0.isNumber }) ?? -1
        }

        static func firstMembersPage(seedPort: Int) throws -> String {
            let client = try LineClient(port: seedPort)
            client.send(line: "List Members:0")
            return client.readLine() ?? ""
        }
    }
}

/// Raises this process's soft descriptor limit (up to the hard one) and puts it back.
struct DescriptorLimits {
    private var saved = rlimit()

    static var hard: Int {
        var limit = rlimit()
        return getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(min(limit.rlim_max, 1 << 30)) : 0
    }

    init(raisedTo count: Int) throws {
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved) == 0 else { throw TestFailure("getrlimit failed") }
        var raised = rlimit(rlim_cur: rlim_t(max(count, Int(saved.rlim_cur))), rlim_max: saved.rlim_max)
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 else {
            throw TestFailure("cannot raise RLIMIT_NOFILE to \(count): errno \(errno)")
        }
    }

    func restore() {
        var saved = saved
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
    }
}

/// What /proc says about a process.
enum ProcessFigures {
    /// User and system CPU time so far, in seconds.
    static func cpuSeconds(of pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields 14 and 15 of stat(5) are utime and stime; fields[0] here is field 3.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func residentKiB(of pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}

/// A TCP connection from a chosen loopback address, for holding a place at a seed.
final class RawSocket {
    private(set) var fd: Int32

    init(from host: String, toPort port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var local = sockaddr_in.loopback(host, port: 0)
        var seed = sockaddr_in.loopback("127.0.0.1", port: port)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let connected = withUnsafePointer(to: &seed) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, connected == 0 else {
            let code = errno
            close()
            throw TestFailure("cannot connect from \(host) to 127.0.0.1:\(port): errno \(code)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Hands the descriptor over: it is no longer closed by this object.
    func release() -> Int32 {
        defer { fd = -1 }
        return fd
    }

    func send(_ text: String) {
        Array(text.utf8).withUnsafeBytes { _ = Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads what has arrived (without waiting); true once the other end has closed.
    func isClosedByPeer() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { continue }
            if n == 0 { return true }
            return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        }
    }
}

extension sockaddr_in {
    static func loopback(_ host: String, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        let parts = host.split(separator: ".").compactMap { UInt32($0) }
        address.sin_addr.s_addr = (parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]).bigEndian
        return address
    }
}

/// `count` pseudo-peers registering with a seed from their own loopback addresses
/// (127.0.X.Y). Each listens on its address (a port of the kernel's choosing) until it is
/// registered, answering the seed's probe there as a peer would (`Liveness Request` as the
/// first line of a connection); then it keeps only its registration connection, as a peer
/// keeps its connection to its seeds. (Its listener is closed once it is listed, so the test
/// process holds one descriptor per pseudo-peer, not two: a listed peer is probed again only
/// when accused, which none is here.) One thread, one `poll` over the registrations waiting
/// for their answer, their listeners and the probes under way: at most a few hundred.
final class PseudoPeers {
    let count: Int
    private(set) var registrations: [Int32] = []
    private(set) var probesAnswered = 0
    private var open: [Int32] = []

    init(count: Int) { self.count = count }

    private struct Waiting {
        var address: String
        var listener: Int32
        var registration: Int32
        var buffer: [UInt8] = []
    }

    /// Registers every pseudo-peer with the seed, at most `window` waiting for their answer at
    /// a time; returns how many got a `Peer List`.
    func register(withSeedOn port: Int, window: Int = 256, timeout: TimeInterval) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var waiting: [Waiting] = []
        var probes: [(fd: Int32, owner: String, buffer: [UInt8])] = []
        var next = 0
        var listed = 0
        var chunk = [UInt8](repeating: 0, count: 4096)
        var set: [pollfd] = []
        while (next < count || !waiting.isEmpty) && Date() < deadline {
            while next < count, waiting.count < window {
                let host = "127.0.\(1 + next / 250).\(1 + next % 250)"
                let (listener, listenPort) = try Self.listen(on: host)
                let address = "\(host):\(listenPort)"
                let socket = try RawSocket(from: host, toPort: port)
                socket.send("Register:\(address)\n")
                waiting.append(Waiting(address: address, listener: listener, registration: socket.release()))
                next += 1
            }
            set.removeAll(keepingCapacity: true)
            for entry in waiting {
                set.append(pollfd(fd: entry.registration, events: Int16(POLLIN), revents: 0))
                set.append(pollfd(fd: entry.listener, events: Int16(POLLIN), revents: 0))
            }
            for probe in probes { set.append(pollfd(fd: probe.fd, events: Int16(POLLIN), revents: 0)) }
            guard poll(&set, nfds_t(set.count), 10) > 0 else { continue }

            // Probes: answer each once its request line is in.
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
                // `Liveness Request:<timestamp>:<seed IP>:<seed port>`: echoed, then our address.
                let request = String(decoding: probe.buffer[..<newline], as: UTF8.self)
                let reply = "Liveness Reply:\(request.dropFirst("Liveness Request:".count)):\(probe.owner)\n"
                Array(reply.utf8).withUnsafeBytes { _ = send(probe.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                Glibc.close(probe.fd)
                probesAnswered += 1
            }
            probes = stillProbing

            // Registrations: a `Peer List` means listed; the listener is no longer needed.
            var stillWaiting: [Waiting] = []
            for (index, entry) in waiting.enumerated() {
                var entry = entry
                if set[2 * index + 1].revents != 0 {
                    while true {
                        let accepted = accept(entry.listener, nil, nil)
                        guard accepted >= 0 else { break }
                        _ = fcntl(accepted, F_SETFL, fcntl(accepted, F_GETFL) | O_NONBLOCK)
                        probes.append((accepted, entry.address, []))
                    }
                }
                if set[2 * index].revents != 0 {
                    let n = chunk.withUnsafeMutableBytes { recv(entry.registration, $0.baseAddress, $0.count, 0) }
                    if n > 0 { entry.buffer += chunk[..<n] }
                    if n == 0 {
                        throw TestFailure("the seed closed the registration of \(entry.address): \(String(decoding: entry.buffer, as: UTF8.self))")
                    }
                }
                guard let newline = entry.buffer.firstIndex(of: 10) else {
                    stillWaiting.append(entry)
                    continue
                }
                let line = String(decoding: entry.buffer[..<newline], as: UTF8.self)
                guard line.hasPrefix("Peer List:") else { throw TestFailure("\(entry.address): registration answered '\(line)'") }
                listed += 1
                Glibc.close(entry.listener)
                registrations.append(entry.registration)
            }
            waiting = stillWaiting
        }
        for entry in waiting {
            Glibc.close(entry.listener)
            Glibc.close(entry.registration)
        }
        for probe in probes { Glibc.close(probe.fd) }
        return listed
    }

    /// A listener on `host`, on a port the kernel chooses.
    static func listen(on host: String) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in.loopback(host, port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok =
            fd >= 0
            && withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && Glibc.listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
        guard ok else {
            let code = errno
            if fd >= 0 { Glibc.close(fd) }
            throw TestFailure("cannot listen on \(host): errno \(code)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Closes every registration connection.
    func close() {
        for fd in registrations { Glibc.close(fd) }
        registrations = []
    }
}
