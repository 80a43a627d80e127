import Foundation
import GossipCore
import Testing

/// Issue 11's attacks on a peer, made with raw sockets on 127.0.0.1: links that never were,
/// and messages that would be delivered twice. Each is bounded in count and time.
extension ProcessTests {
    @Suite struct PeerAttackTests {
        /// User + system CPU seconds of a process so far (`/proc/<pid>/stat`, fields 14 and 15).
        static func cpuSeconds(_ pid: Int32) throws -> Double {
            let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            guard let close = stat.lastIndex(of: ")") else { throw TestFailure("odd /proc/\(pid)/stat") }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
                throw TestFailure("odd /proc/\(pid)/stat")
            }
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }

        /// Connects to 127.0.0.1:`port`, sends `Link Request:127.0.0.1:<claimed>` and closes:
        /// raw calls, so that the flood is cheap on the test's side.
        static func linkRequestAndClose(port: Int, claiming claimed: Int) throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
            defer { Glibc.close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { throw TestFailure("connect: errno \(errno)") }
            let line = Array("Link Request:127.0.0.1:\(claimed)\n".utf8)
            _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// How many `received` events of the log are of the message `text`.
        static func receipts(of text: String, in log: String) -> Int {
            EventParser.events(inLog: log).count { if case .received(let message, _, _) = $0 { message.text == text } else { false } }
        }

        /// A message line from origin 127.0.0.9:9 with this Msg#, timestamped `offset` ms from now.
        static func message(_ sequence: Int, offset: Int64 = 0) -> String {
            let ms = Int64(Date().timeIntervalSince1970 * 1000) + offset
            let millis = String(ms % 1000)
            return "\(ms / 1000).\(String(repeating: "0", count: 3 - millis.count))\(millis):127.0.0.9:9:\(sequence)"
        }

        /// Issue 11: each `Link Request` with a made-up address and a close left a neighbour;
        /// 15,000 cost 43 s of CPU, 44,996 dials and 45,000 `Dead Node` lines to the seeds.
        @Test func fifteenThousandLinkRequestsAndClosesCostLittleAndReportNobody() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                try net.writeConfig([seed])
                let victim = try net.startPeer(["--messages", "0"])
                try waitUntil("the victim to register", timeout: 10) {
                    try LineClient.listPeers(seedPort: seed.port).contains(victim.address)
                }
                let before = try Self.cpuSeconds(victim.process.processIdentifier)
                // Under 1 s for a release build, the figure of the issue (docs/LIMITS.md); a
                // debug build does the same work three to four times slower on this host.
                // Before links were verified, the work was quadratic: 43 s of CPU (release).
                let bound = TestNetwork.binaries.path.contains("/release") ? 1.0 : 4.0
                let started = Date()
                for k in 0..<15_000 {
                    // Ports below the ephemeral range, where nothing of this test listens.
                    try Self.linkRequestAndClose(port: victim.port, claiming: 10_000 + k)
                    if k % 250 == 249 {
                        // Kept within the victim's listen backlog (256): a SYN the kernel drops
                        // for a full backlog is sent again after 1 s, and those waits were 30 of
                        // this test's 35 s. The victim answers this request only after it has
                        // accepted the connections queued before it.
                        let pace = try LineClient(port: victim.port)
                        pace.send(line: "Liveness Request:1795287680.731:127.0.0.1:9")
                        guard pace.readLine(timeout: 30)?.hasPrefix("Liveness Reply:") == true else {
                            throw TestFailure("the victim stopped answering after \(k + 1) link requests")
                        }
                    }
                    if k % 1000 == 0, Date().timeIntervalSince(started) > 60 {
                        throw TestFailure("the flood took over 60 s (\(k) sent)")
                    }
                }
                // The victim is done once it answers a fresh request at once.
                let probe = try LineClient(port: victim.port)
                probe.send(line: "Liveness Request:1795287680.731:127.0.0.1:9")
                #expect(probe.readLine(timeout: 30)?.hasPrefix("Liveness Reply:") == true)
                // Three liveness rounds (0.3 s each) and then some: anything left behind would
                // have been dialled, missed and reported by now (the rounds were where the
                // quadratic work was), and counted in the CPU.
                Thread.sleep(forTimeInterval: 1.5)
                let cpu = try Self.cpuSeconds(victim.process.processIdentifier) - before
                print("15,000 Link Request + close: \(cpu) s of the victim's CPU, \(Date().timeIntervalSince(started)) s in all")
                #expect(cpu < bound, "the victim spent \(cpu) s of CPU")
                #expect(!net.logged(victim) { $0.kind == .reportingDead })
                #expect(!net.logged(seed) { $0.kind == .deadReportReceived })
                #expect(net.logged(victim) { $0.kind == .linkLostUnverified })
                #expect(victim.process.isRunning)
            }
        }

        /// Issue 11: a message came back as new once 65,536 newer ones had evicted it.
        @Test func aMessageReplayedAfterSeventyThousandOthersIsNotDeliveredAgain() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                try net.writeConfig([seed])
                let victim = try net.startPeer(["--messages", "0", "--liveness-interval", "5"])
                let neighbour = try LineClient(port: victim.port)
                neighbour.send(line: "Link Request:127.0.0.1:9")
                #expect(neighbour.readLine() == "Link Accepted:\(victim.address)")
                let first = Self.message(1)
                neighbour.send(line: first)
                // 70,000 distinct messages from 7 origins, in batches of 10,000 lines.
                let stamp = Self.message(0).split(separator: ":")[0]
                for origin in 0..<7 {
                    var batch = ""
                    for sequence in 1...10_000 { batch += "\(stamp):127.0.0.\(10 + origin):9:\(sequence)\n" }
                    neighbour.send(Array(batch.utf8))
                }
                // Then the replay. A link's lines are taken in order: once the liveness request
                // sent after them is answered, the victim has taken every one.
                neighbour.send(line: first)
                neighbour.send(line: "Liveness Request:1795287680.731:127.0.0.1:9")
                #expect(neighbour.readLine(timeout: 60, where: { $0.hasPrefix("Liveness Reply:") }) != nil)
                // (The log is written after the sockets in a turn: give it that turn.)
                try waitUntil("the log to show the last of the 70,000", timeout: 10) {
                    Self.receipts(of: "\(stamp):127.0.0.16:9:10000", in: net.log(of: victim)) > 0
                }
                #expect(Self.receipts(of: first, in: net.log(of: victim)) == 1)
            }
        }

        /// Issue 11: a message 300 s ahead was never stale; one message spelled six ways was
        /// delivered six times; `[::ffff:127.0.0.1]:p` and `127.0.0.1:p` were two nodes.
        @Test func futureTimestampsSpellingsAndMappedAddressesAreDeliveredOnce() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                try net.writeConfig([seed])
                let victim = try net.startPeer(["--messages", "0", "--liveness-interval", "5"])
                let neighbour = try LineClient(port: victim.port)
                neighbour.send(line: "Link Request:[::ffff:127.0.0.1]:9")
                #expect(neighbour.readLine() == "Link Accepted:\(victim.address)")
                // The same node in its plain spelling is already linked.
                let again = try LineClient(port: victim.port)
                again.send(line: "Link Request:127.0.0.1:9")
                #expect(again.readLine() == "Link Refused:already linked with 127.0.0.1:9")

                let future = Self.message(1, offset: 300_000)
                neighbour.send(line: future)
                #expect(neighbour.readLine(where: { $0.hasPrefix("Error:") })?.contains("ahead of my clock") == true)

                // One message, six spellings: the canonical one is taken, the others refused.
                let seconds = Int(Date().timeIntervalSince1970)
                let canonical = "\(seconds).000:127.0.0.9:9:2"
                let others = [
                    "\(seconds):127.0.0.9:9:2", "0\(seconds).000:127.0.0.9:9:2", "\(seconds).000:127.0.0.09:9:2",
                    "\(seconds).000:127.0.0.9:09:2", "\(seconds).000:127.0.0.9:9:02", "\(seconds).000:[::ffff:127.0.0.9]:9:2",
                ]
                for line in [canonical] + others + [canonical] { neighbour.send(line: line) }
                for _ in others {
                    #expect(
                        neighbour.readLine(where: { $0.hasPrefix("Error:") })?.contains("the one spelling is '\(canonical)'")
                            == true)
                }
                let sentinel = Self.message(3)
                neighbour.send(line: sentinel)
                try waitUntil("the victim to take the sentinel", timeout: 10) {
                    Self.receipts(of: sentinel, in: net.log(of: victim)) > 0
                }
                let log = net.log(of: victim)
                #expect(Self.receipts(of: canonical, in: log) == 1)
                #expect(Self.receipts(of: future, in: log) == 0)
                #expect(EventParser.events(inLog: log).contains { $0.kind == .messageRefused && $0.subject?.description == "127.0.0.1:9" })

                // A seed too takes the mapped spelling for the IPv4 address it is: it probes, and
                // names in its answer, 127.0.0.1:7 (nothing listens there, so it is not listed).
                let client = try LineClient(port: seed.port)
                client.send(line: "Register:[::ffff:127.0.0.1]:7")
                let answer = client.readLine() ?? ""
                #expect(answer.hasPrefix("Error:registration refused: 127.0.0.1:7 "), "\(answer)")
                #expect(!answer.contains("ffff"))
                #expect(try LineClient.listPeers(seedPort: seed.port).filter { $0.hasSuffix(":7") }.isEmpty)
            }
        }
    }
}
