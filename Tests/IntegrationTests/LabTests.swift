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
    /// minute. They assert what today's protocol does; under loss they check only that the
    /// lab runs and reports (honesty under loss and partitions is being built).
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
                #expect(after > 0 && after < 8, "\(console)")
                #expect(kill["removed_in_logs_after_s"] as? Double != nil)
                let lists = try #require(json["final_lists"] as? [[String: Any]])
                for list in lists { #expect((list["dead_listed"] as? [Any])?.isEmpty == true, "\(list)") }
                #expect((json["delivery"] as? [String: Any])?["live_peers"] as? Int == 5)
            }
        }

        /// Loss, a partition and a freeze: today's protocol drops live peers under them (being
        /// fixed); here only the run itself is checked: it ends, reports every figure, cleans up.
        @Test func faultsRunAndAreReported() throws {
            try withNetwork { net in
                let (json, console) = try lab(
                    net,
                    ["--seeds", "2", "--peers", "6", "--gossip-interval", "0.5", "--liveness-interval", "1", "--messages", "10",
                     "--duration", "15s", "--loss", "10", "--partition", "1@3s+4s", "--freeze", "1@4s+3s"])
                for key in [
                    "command", "seeds", "peers", "duration_s", "loss_percent", "faults", "delivery", "removals",
                    "faults_measured", "seed_restarts", "final_lists", "seed_polls", "namespaces_left",
                ] {
                    #expect(json[key] != nil, "JSON lacks \(key)")
                }
                #expect(json["loss_percent"] as? Int == 10)
                let faults = try #require(json["faults_measured"] as? [[String: Any]])
                #expect(Set(faults.compactMap { $0["kind"] as? String }) == ["partition", "freeze"], "\(console)")
                for fault in faults { #expect(fault["listed_again_after_s"] != nil && fault["linked_again_after_s"] != nil) }
                let polls = try #require(json["seed_polls"] as? [[String: Any]])
                #expect(polls.allSatisfy { ($0["answered"] as? Int ?? 0) > 40 }, "\(polls)")
                #expect(console.contains("Delivery: "))
            }
        }
    }
}

/// The lab's readers of what the protocol engineer is changing: the seed's removal line and
/// the paged `Members:` answer (no root needed).
@Suite struct LabParsingTests {
    @Test func removalLinesOldAndNew() throws {
        let old = try #require(SeedLog.removal(inEvent: "Removed dead peer 10.77.2.3:6000 (reported by 10.77.2.1:6000); 5 peers listed"))
        #expect(old.peer.description == "10.77.2.3:6000" && old.reason == "dead")
        let dead = try #require(SeedLog.removal(inEvent: "Removed peer 10.77.2.4:6000: dead (reported by 10.77.2.1:6000)"))
        #expect(dead.peer.description == "10.77.2.4:6000" && dead.reason == "dead")
        let left = try #require(SeedLog.removal(inEvent: "Removed peer [::1]:6000: left"))
        #expect(left.peer.description == "[::1]:6000" && left.reason == "left")
        #expect(SeedLog.removal(inEvent: "Registered peer 10.77.2.4:6000 (connection from x)") == nil)
    }

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
