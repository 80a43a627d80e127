import Foundation
import GossipCore
import Testing

@testable import Cluster

/// Whether `cluster lab` can run here: it needs root, `ip` (iproute2) and `nft` (nftables).
/// As root with a tool missing, it installs them with apt-get once; otherwise the lab tests
/// are skipped, and the reason is printed and shown as the tests' skip comment.
enum LabEnvironment {
    static let status: (ready: Bool, reason: String) = {
        guard geteuid() == 0 else {
            return report(false, "cluster lab tests skipped: they need root (network namespaces, veth links, nftables)")
        }
        if tool("ip") != nil && tool("nft") != nil { return (true, "root, ip and nft present") }
        print("cluster lab tests: installing iproute2 and nftables with apt-get")
        _ = shell("/usr/bin/apt-get", ["update", "-qq"])
        _ = shell("/usr/bin/apt-get", ["install", "-y", "-qq", "iproute2", "nftables"])
        guard tool("ip") != nil, tool("nft") != nil else {
            return report(false, "cluster lab tests skipped: ip or nft missing and apt-get could not install iproute2 nftables")
        }
        return (true, "installed iproute2 and nftables")
    }()

    static var ready: Bool { status.ready }
    static var reason: Comment { Comment(rawValue: status.reason) }

    private static func report(_ ready: Bool, _ reason: String) -> (Bool, String) {
        print(reason)
        return (ready, reason)
    }

    static func tool(_ name: String) -> String? {
        ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a program to its end; its exit status and standard output.
    @discardableResult
    static func shell(_ path: String, _ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return (-1, "") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The namespaces of the lab with this PID still listed by `ip netns list`.
    static func namespacesLeft(pid: Int32) -> [String] {
        guard let ip = tool("ip") else { return [] }
        let prefix = "gl\(pid)"
        return shell(ip, ["netns", "list"]).1.split(separator: "\n").compactMap { line in
            guard let name = line.split(separator: " ").first, name.hasPrefix(prefix) else { return nil }
            let rest = name.dropFirst(prefix.count)
            guard let kind = rest.first, "bcsp".contains(kind), rest.dropFirst().allSatisfy(\.isNumber) else { return nil }
            return String(name)
        }
    }
}

extension ProcessTests {
    /// Short runs of `cluster lab`: the real programs in network namespaces, each well under a
    /// minute.
    @Suite(.enabled(if: LabEnvironment.ready, LabEnvironment.reason)) struct LabTests {
        /// Runs the lab with `arguments` (plus `--json lab.json --dir run`); its JSON, its
        /// console, and checks that it removed every namespace it made.
        func lab(_ net: TestNetwork, _ arguments: [String], timeout: TimeInterval = 60) throws -> ([String: Any], String) {
            let run = try net.launch("cluster", ["lab"] + arguments + ["--json", "lab.json", "--dir", "run"])
            let status = try net.awaitExit(run, timeout: timeout)
            let pid = run.process.processIdentifier
            #expect(LabEnvironment.namespacesLeft(pid: pid).isEmpty, "namespaces of gl\(pid) left behind")
            #expect(status == 0, "\(run.console)")
            let data = try Data(contentsOf: net.directory.appendingPathComponent("lab.json"))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(run.console)")
            #expect((json["namespaces_left"] as? [Any])?.isEmpty == true)
            return (json, run.console)
        }

        @Test func withoutFaultsEveryMessageArrivesAndEverySeedListsItsLivePeers() throws {
            try withNetwork { net in
                let (json, console) = try lab(
                    net,
                    ["--seeds", "3", "--peers", "6", "--gossip-interval", "0.5", "--liveness-interval", "1", "--messages", "8",
                     "--duration", "10s"])
                let delivery = try #require(json["delivery"] as? [String: Any])
                #expect(delivery["live_peers"] as? Int == 6)
                #expect(delivery["messages_created"] as? Int == 48, "\(console)")
                #expect(delivery["fraction"] as? Double == 1, "\(console)")
                #expect(delivery["received"] as? Int == 240)
                let lists = try #require(json["final_lists"] as? [[String: Any]])
                #expect(lists.count == 3)
                var registered = 0
                for list in lists {
                    #expect(list["matches"] as? Bool == true, "\(list)\n\(console)")
                    #expect(list["listed"] as? Int == list["expected"] as? Int)
                    registered += list["expected"] as? Int ?? 0
                }
                // Each peer registers with a majority (2 of 3) of the seeds.
                #expect(registered == 12, "\(console)")
                let removals = try #require(json["removals"] as? [String: Any])
                #expect(removals["total"] as? Int == 0, "\(console)")
            }
        }

        @Test func aKilledPeerIsDroppedByEverySeedThatListedIt() throws {
            try withNetwork { net in
                let (json, console) = try lab(
                    net,
                    ["--seeds", "3", "--peers", "6", "--gossip-interval", "0.5", "--liveness-interval", "1", "--messages", "4",
                     "--duration", "12s", "--kill", "1@3s"])
                let faults = try #require(json["faults_measured"] as? [[String: Any]])
                let kill = try #require(faults.first, "\(console)")
                #expect(kill["kind"] as? String == "kill")
                let listedBy = try #require(kill["listed_by"] as? Int)
                #expect(listedBy >= 2, "\(console)")
                #expect(kill["dropped_by"] as? Int == listedBy)
                let after = try #require(kill["dropped_by_all_after_s"] as? Double, "not dropped by every seed: \(console)")
                #expect(after > 0 && after <= 4, "a killed peer within 4 s: \(console)")
                #expect(kill["removed_in_logs_after_s"] as? Double != nil)
                let lists = try #require(json["final_lists"] as? [[String: Any]])
                for list in lists { #expect((list["dead_listed"] as? [Any])?.isEmpty == true, "\(list)") }
                #expect((json["delivery"] as? [String: Any])?["live_peers"] as? Int == 5)
            }
        }

        /// The membership properties of docs/PROTOCOL.md ("Membership"), each in a short run
        /// of 3 seeds and 8 peers at a liveness interval of 1 s. The full-length runs (16 peers,
        /// 120 s of loss) are in docs/LAB.md; these check the same figures in the test command.
        static let base = ["--seeds", "3", "--peers", "8", "--gossip-interval", "0.5", "--liveness-interval", "1"]

        func figures(_ json: [String: Any], _ kind: String) throws -> [[String: Any]] {
            let all = try #require(json["faults_measured"] as? [[String: Any]])
            return all.filter { $0["kind"] as? String == kind }
        }

        func falseRemovals(_ json: [String: Any]) -> Int? { (json["removals"] as? [String: Any])?["false"] as? Int }
        func delivery(_ json: [String: Any]) -> Double? { (json["delivery"] as? [String: Any])?["fraction"] as? Double }
        func listsMatch(_ json: [String: Any]) -> Bool {
            (json["final_lists"] as? [[String: Any]])?.allSatisfy { $0["matches"] as? Bool == true } == true
        }

        @Test func underTwentyPercentFrameLossNoLivePeerIsDropped() throws {
            try withNetwork { net in
                let (json, console) = try lab(net, Self.base + ["--messages", "60", "--duration", "30s", "--loss", "20"], timeout: 90)
                #expect(falseRemovals(json) == 0, "\(console)")
                #expect(delivery(json) == 1, "\(console)")
                #expect(listsMatch(json), "\(console)")
            }
        }

        @Test func aCutOffMinorityIsDroppedThenListedLinkedAndCaughtUpSoonAfterTheHeal() throws {
            try withNetwork { net in
                let (json, console) = try lab(
                    net, Self.base + ["--messages", "44", "--duration", "22s", "--partition", "2@4s+10s"], timeout: 80)
                #expect(falseRemovals(json) == 0, "no peer of the majority side is dropped: \(console)")
                let cut = try figures(json, "partition")
                #expect(cut.count == 2, "\(console)")
                for peer in cut {
                    let dropped = try #require(peer["dropped_by_all_after_s"] as? Double, "a silent host is dropped: \(console)")
                    #expect(dropped <= 8, "a silent host within 8 s: \(console)")
                    let listed = try #require(peer["listed_again_after_s"] as? Double, "\(console)")
                    #expect(listed <= 5, "\(console)")
                    let linked = try #require(peer["linked_again_after_s"] as? Double, "\(console)")
                    #expect(linked <= 5, "\(console)")
                    let caughtUp = try #require(peer["all_delivered_after_s"] as? Double, "\(console)")
                    #expect(caughtUp <= 10, "every message everywhere within 10 s of the heal: \(console)")
                }
                #expect(delivery(json) == 1, "\(console)")
                #expect(listsMatch(json), "\(console)")
            }
        }

        @Test func aFrozenPeerIsListedAndLinkedAgainOnWakingAndReportsNobody() throws {
            try withNetwork { net in
                let (json, console) = try lab(net, Self.base + ["--messages", "36", "--duration", "18s", "--freeze", "1@4s+6s"], timeout: 70)
                let frozen = try #require(try figures(json, "freeze").first, "\(console)")
                if frozen["dropped_by"] as? Int ?? 0 > 0 {
                    let listed = try #require(frozen["listed_again_after_s"] as? Double, "\(console)")
                    #expect(listed <= 5, "\(console)")
                }
                let linked = try #require(frozen["linked_again_after_s"] as? Double, "\(console)")
                #expect(linked <= 5, "\(console)")
                #expect(frozen["reports_made"] as? Int == 0, "it reports no neighbour dead on waking: \(console)")
                #expect(falseRemovals(json) == 0, "\(console)")
                #expect(listsMatch(json), "\(console)")
            }
        }

        @Test func aRestartedSeedListsItsLivePeersAgainWithinTwoIntervals() throws {
            try withNetwork { net in
                let (json, console) = try lab(net, Self.base + ["--messages", "24", "--duration", "12s", "--restart-seed", "@4s"], timeout: 60)
                let restart = try #require((json["seed_restarts"] as? [[String: Any]])?.first, "\(console)")
                let after = try #require(restart["all_listed_again_after_s"] as? Double, "\(console)")
                // Two intervals, plus the lab's 250 ms between looks at the seed's list.
                #expect(after <= 2 + 0.25, "\(console)")
                #expect(falseRemovals(json) == 0, "\(console)")
                #expect(listsMatch(json), "\(console)")
            }
        }

        @Test func aLeavingPeerIsUnlistedAtOnceAndAForgedReportDropsNobody() throws {
            try withNetwork { net in
                let (json, console) = try lab(
                    net, Self.base + ["--messages", "24", "--duration", "12s", "--leave", "1@4s", "--forge", "1@5s"], timeout: 60)
                let left = try #require(try figures(json, "leave").first, "\(console)")
                let unlisted = try #require(left["removed_in_logs_after_s"] as? Double, "\(console)")
                #expect(unlisted <= 0.5, "\(console)")
                let removals = try #require((json["removals"] as? [String: Any])?["list"] as? [[String: Any]])
                #expect(removals.allSatisfy { $0["reason"] as? String == "left" }, "logged as left, not dead: \(console)")
                let forged = try #require(try figures(json, "forge").first, "\(console)")
                #expect(forged["dropped_by"] as? Int == 0, "a forged report removes nobody: \(console)")
                #expect(falseRemovals(json) == 0, "\(console)")
                #expect(listsMatch(json), "\(console)")
            }
        }
    }
}

/// The lab's readers of what the protocol engineer is changing: the seed's removal line and
/// the paged `Members:` answer (no root needed).
@Suite struct LabParsingTests {
    @Test func membersPages() throws {
        let page = try #require(MembersQuery.page("Members:64:66:10.77.2.1:6000=alive,[::1]:7=suspect"))
        #expect(page.offset == 64 && page.total == 66 && page.entries.count == 2)
        #expect(page.entries[1].0.description == "[::1]:7" && page.entries[1].1 == "suspect")
        let empty = try #require(MembersQuery.page("Members:0:0:"))
        #expect(empty.total == 0 && empty.entries.isEmpty)
        #expect(MembersQuery.page("Peer List:1.2.3.4:5") == nil)
    }

    @Test func faultOptions() throws {
        let partition = try LabOptions.fault(.partition, "0.25@20s+15s", "--partition")
        #expect(partition.count == 0.25 && partition.at == .seconds(20) && partition.length == .seconds(15))
        #expect(try LabOptions.fault(.partition, "2@10s-25s", "--partition").length == .seconds(15))
        #expect(try LabOptions.fault(.kill, "1@5s", "--kill").length == nil)
        #expect(throws: (any Error).self) { try LabOptions.fault(.freeze, "1@5s", "--freeze") }
        #expect(throws: (any Error).self) { try LabOptions.fault(.kill, "1.5@5s", "--kill") }
    }
}
