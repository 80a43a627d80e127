import Foundation
import GossipCore
import Testing

/// The operator channel on real processes: each node's control socket, `cluster send`,
/// `cluster monitor --all --json`, `cluster leave`, on 1 seed and 3 peers on 127.0.0.1.
extension ProcessTests {
    @Suite struct OperatorChannelTests {
        typealias Outcome = OperatorTests.Outcome

        static func cluster(_ arguments: [String], in net: TestNetwork) throws -> Outcome {
            try OperatorTests.run("cluster", arguments, in: net.directory, timeout: 10)
        }

        /// The permission bits of a file.
        static func mode(_ path: String) throws -> Int {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }

        @Test func aTextSentViaOnePeerReachesEveryPeerOnceMonitorStreamsJSONAndLeaveListsThePeerAsLeft() throws {
            try withNetwork { net in
                let control = net.directory.appendingPathComponent("ctl").path
                let seed = try net.startSeed(["--control-dir", control, "--liveness-interval", "0.3"])
                try net.writeConfig([seed])
                let peers = try (0..<3).map { _ in try net.startPeer(["--control-dir", control, "--messages", "1"]) }

                // Sockets only this user can reach: the directory 0700, each socket 0600, named
                // for the node's address.
                #expect(try Self.mode(control) == 0o700)
                for node in [seed] + peers {
                    let path = "\(control)/\(node.role)-127.0.0.1-\(node.port).sock"
                    #expect(try Self.mode(path) == 0o600, "\(path)")
                }

                // Three peers of one seed link all to all: wait until each has its two links.
                try waitUntil("every peer linked to the two others", timeout: 10) {
                    try peers.allSatisfy { peer in
                        let status = try Self.cluster(["status", peer.address, "--control-dir", control], in: net)
                        return status.status == 0 && status.out.contains("links: 2 up of 2 neighbours")
                    }
                }

                let monitor = try net.launch("cluster", ["monitor", "--all", "--json", "--control-dir", control])
                // Following all four once each peer's (frequent) liveness lines come through.
                try waitUntil("the monitor following every peer", timeout: 10) {
                    peers.allSatisfy { monitor.console.contains("\"node\":\"\($0.address)\"") }
                }

                let sender = peers[1]
                let sent = try Self.cluster(
                    ["send", "--via", sender.address, "--control-dir", control, "hello", "operator\nline é"], in: net)
                #expect(sent.status == 0, "\(sent.err)")
                let typed = "hello operator\nline é"
                let escaped = #"hello operator\nline \u{e9}"#
                let receivers = peers.filter { $0 !== sender }
                func texts(_ node: TestNetwork.Node) -> [NodeEvent] {
                    net.events(of: node).filter { if case .textReceived = $0 { true } else { false } }
                }
                try waitUntil("every other peer logged the text", timeout: 10) {
                    receivers.allSatisfy { !texts($0).isEmpty }
                }
                #expect(net.logged(sender) { if case .textSent(_, 2, typed) = $0 { true } else { false } })
                #expect(net.log(of: sender).contains(": \(escaped)\n"), "the text is shown escaped")
                // Exactly once: after a liveness request that followed it on every link (TCP keeps
                // order, so a duplicate sent before it would be in the log by then).
                for peer in receivers {
                    try waitUntil("a liveness request after the text at \(peer.address)", timeout: 10) {
                        let events = net.events(of: peer)
                        guard let index = events.firstIndex(where: { if case .textReceived = $0 { true } else { false } })
                        else { return false }
                        let askers = events[index...].compactMap { event -> NodeAddress? in
                            if case .livenessAnswered(let from) = event { from } else { nil }
                        }
                        return Set(askers).count == 2
                    }
                    let copies = texts(peer)
                    #expect(copies.count == 1, "\(peer.address): \(copies)")
                    if case .textReceived(_, _, _, let text)? = copies.first { #expect(text == typed) }
                }
                #expect(texts(sender).isEmpty)

                // Leave through the control socket: the peer says goodbye, exits 0, removes its
                // socket, and the seed lists it as left.
                let leaving = peers[2]
                let left = try Self.cluster(["leave", leaving.address, "--control-dir", control], in: net)
                #expect(left.status == 0, "\(left.err)")
                #expect(try net.awaitExit(leaving) == 0)
                #expect(!FileManager.default.fileExists(atPath: "\(control)/peer-127.0.0.1-\(leaving.port).sock"))
                let listed = OperatorTests.peers(try OperatorTests.members(net, elsewhere: net.directory).1)
                #expect(listed[leaving.address]?.state == "left", "\(listed)")

                // The monitor's lines are JSON objects with the documented keys; it saw the text
                // sent, received by both others, and the seed's removal of the peer that left.
                var events: [[String: Any]] = []
                try waitUntil("the monitor to show the seed's removal", timeout: 10) {
                    events = try monitor.console.split(separator: "\n").map { line in
                        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
                    }
                    return events.contains { $0["event"] as? String == "removedLeft" && $0["node"] as? String == seed.address }
                }
                for event in events {
                    #expect(["time", "level", "node", "event"].allSatisfy { event[$0] != nil }, "\(event)")
                }
                let received = events.filter { $0["event"] as? String == "textReceived" }
                #expect(Set(received.compactMap { $0["node"] as? String }) == Set(receivers.map(\.address)))
                #expect(received.count == 2)
                #expect(received.allSatisfy { $0["text"] as? String == typed })
                #expect(events.contains { $0["event"] as? String == "textSent" && $0["node"] as? String == sender.address })
                net.signal(monitor, SIGTERM)
            }
        }

        /// Issue 8's "Done when", as a person would do it: 3 seeds and 10 peers started in the
        /// background, operated from another directory through `cluster` alone.
        @Test func aNetworkOfThreeSeedsAndTenPeersIsOperatedFromAnotherDirectory() throws {
            try withNetwork { net in
                let elsewhere = net.directory.appendingPathComponent("elsewhere")
                try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
                let control = net.controlDirectory
                func cluster(_ arguments: [String]) throws -> Outcome {
                    try OperatorTests.run("cluster", arguments, in: elsewhere, timeout: 10)
                }
                let seeds = try (0..<3).map { _ in try net.startSeed(["--liveness-interval", "0.5"]) }
                try net.writeConfig(seeds)
                let peers = try (0..<10).map { _ in try net.startPeer(["--messages", "0", "--liveness-interval", "0.5"]) }

                // `members` lists all ten, each with the quorum of seeds it registered with (2 of 3).
                try waitUntil("all ten peers listed alive by two seeds each", timeout: 20) {
                    let listed = OperatorTests.peers(try OperatorTests.members(net, elsewhere: elsewhere).1)
                    return peers.allSatisfy { listed[$0.address]?.state == "alive" && listed[$0.address]?.seeds.count == 2 }
                }

                // A text sent through one peer: every other peer logs it once; the monitor of
                // every node streams JSON that parses.
                let monitor = try net.launch("cluster", ["monitor", "--all", "--json", "--control-dir", control], workingDirectory: elsewhere)
                defer { net.signal(monitor, SIGTERM) }
                // Peers log every liveness round; the seeds show up once they have something to say.
                try waitUntil("the monitor following every peer", timeout: 10) {
                    peers.allSatisfy { monitor.console.contains("\"node\":\"\($0.address)\"") }
                }
                let sender = peers[0]
                let receivers = Array(peers.dropFirst())
                func copies(of text: String, at peer: TestNetwork.Node) -> Int {
                    net.count(peer) { if case .textReceived(_, _, _, text) = $0 { true } else { false } }
                }
                for text in ["first text", "second text"] {
                    let sent = try cluster(["send", "--via", sender.address, "--control-dir", control, text])
                    #expect(sent.status == 0, "\(sent.err)")
                    try waitUntil("every other peer logged '\(text)'", timeout: 10) {
                        receivers.allSatisfy { copies(of: text, at: $0) >= 1 }
                    }
                }
                // By the time the second text is everywhere, the first has crossed every link.
                for peer in receivers { #expect(copies(of: "first text", at: peer) == 1, "\(peer.address)") }
                #expect(copies(of: "first text", at: sender) == 0)
                func monitored() throws -> [[String: Any]] {
                    // Whole lines only: the last may still be being written.
                    try monitor.console.split(separator: "\n").dropLast().map { line in
                        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                        return try #require(object, "\(line)")
                    }
                }
                let received = try monitored().filter {
                    $0["event"] as? String == "textReceived" && $0["text"] as? String == "first text"
                }
                #expect(Set(received.compactMap { $0["node"] as? String }) == Set(receivers.map(\.address)))

                // A peer killed shows as dead (or suspect first); one stopped with Ctrl-C as left.
                let killed = peers[3]
                let stopped = peers[4]
                net.signal(killed, SIGKILL)
                net.signal(stopped, SIGINT)
                var listed: [String: (state: String, seeds: [String])] = [:]
                try waitUntil("the killed peer dead and the stopped one left", timeout: 20) {
                    listed = OperatorTests.peers(try OperatorTests.members(net, elsewhere: elsewhere).1)
                    return listed[killed.address]?.state == "dead" && listed[stopped.address]?.state == "left"
                }
                #expect(try net.awaitExit(stopped) == 0)
                // The seeds' removals came through the monitor too.
                try waitUntil("the seeds' removals in the monitor", timeout: 10) {
                    let removals = try monitored().filter { ($0["event"] as? String ?? "").hasPrefix("removed") }
                    return removals.contains { $0["event"] as? String == "removedDead" && $0["peer"] as? String == killed.address }
                        && removals.contains { $0["event"] as? String == "removedLeft" && $0["peer"] as? String == stopped.address }
                }
                #expect(peers.filter { $0 !== killed && $0 !== stopped }.allSatisfy { listed[$0.address]?.state == "alive" })
            }
        }
    }
}
