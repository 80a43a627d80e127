import Foundation
import GossipCore
import Testing

/// The real programs as processes on 127.0.0.1, as the specification describes the network.
extension ProcessTests {
    @Suite struct GossipNetworkTests {
        /// Messages named in `received` events of a peer's log, with how often each appears.
        static func receivedCounts(in log: String) -> [String: Int] {
            var counts: [String: Int] = [:]
            for case .received(let message, _, _) in EventParser.events(inLog: log) { counts[message.text, default: 0] += 1 }
            return counts
        }

        /// Messages a peer created, from its `created` events.
        static func created(in log: String) -> [String] {
            EventParser.events(inLog: log).compactMap { if case .created(let message, _) = $0 { message.text } else { nil } }
        }

        @Test func threeSeedsAndEightPeersDeliverEveryMessageToEveryPeerExactlyOnce() throws {
            try withNetwork { net in
                let seeds = try (0..<3).map { _ in try net.startSeed() }
                try net.writeConfig(seeds)
                let peers = try (0..<8).map { _ in try net.startPeer(["--messages", "5"]) }

                // Every peer creates 5 messages; wait until each peer holds the other 35.
                try waitUntil("every peer to hold every other peer's messages", timeout: 30) {
                    let made = peers.map { Self.created(in: net.log(of: $0)) }
                    guard made.allSatisfy({ $0.count == 5 }) else { return false }
                    return peers.indices.allSatisfy { i in
                        let received = Self.receivedCounts(in: net.log(of: peers[i]))
                        return peers.indices.allSatisfy { j in i == j || made[j].allSatisfy { received[$0] != nil } }
                    }
                }
                for peer in peers { net.signal(peer, SIGTERM) }
                for peer in peers { #expect(try net.awaitExit(peer) == 0) }

                let made = peers.map { Self.created(in: net.log(of: $0)) }
                for (i, peer) in peers.enumerated() {
                    let received = Self.receivedCounts(in: net.log(of: peer))
                    for (j, messages) in made.enumerated() where j != i {
                        for message in messages {
                            #expect(received[message] == 1, "peer \(peer.address) has \(message) \(received[message] ?? 0) times")
                        }
                    }
                    for own in made[i] { #expect(received[own] == nil, "peer \(peer.address) received its own \(own)") }
                    #expect(received.count == 35)
                }
            }
        }

        @Test func aKilledPeerIsReportedAndDroppedByEverySeedThatListedIt() throws {
            try withNetwork { net in
                let seeds = try (0..<3).map { _ in try net.startSeed() }
                try net.writeConfig(seeds)
                let peers = try (0..<5).map { _ in try net.startPeer(["--messages", "0"]) }
                let victim = peers[2]
                // Wait until the victim is linked with at least one neighbour that will notice.
                try waitUntil("the victim to be linked", timeout: 10) {
                    net.logged(victim) { $0.kind == .linked }
                }
                let listing = try seeds.filter { try LineClient.listPeers(seedPort: $0.port).contains(victim.address) }
                #expect(listing.count >= 2, "a peer registers with floor(3/2)+1 = 2 seeds")

                kill(victim.process.processIdentifier, SIGKILL)
                try waitUntil("every seed to drop the killed peer", timeout: 15) {
                    try seeds.allSatisfy { try !LineClient.listPeers(seedPort: $0.port).contains(victim.address) }
                }
                // Its kernel closed its registration connections: each seed that listed it probed
                // its port, was refused (strong evidence), and dropped it without waiting for
                // the neighbours' three missed replies.
                for seed in listing {
                    #expect(
                        net.logged(seed) { event in
                            guard case .removedDead(let peer, "its port refused the seed's probe", _) = event else { return false }
                            return peer.description == victim.address
                        })
                }

                // A peer that joins now is not handed the dead peer.
                let newcomer = try net.startPeer(["--messages", "0"])
                try waitUntil("the newcomer to register", timeout: 10) { net.logged(newcomer) { $0.kind == .registered } }
                let lists = net.events(of: newcomer).compactMap { if case .peerList(_, let peers) = $0 { peers } else { nil } }
                #expect(lists.count == 2)
                for list in lists { #expect(!list.map(\.description).contains(victim.address)) }
            }
        }

        @Test func sigtermStopsSeedAndPeerWithStatusZero() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                try net.writeConfig([seed])
                let peer = try net.startPeer()
                try waitUntil("the peer to register", timeout: 10) {
                    net.logged(peer) { if case .registered(seeds: 1, _, _) = $0 { true } else { false } }
                }
                net.signal(peer, SIGTERM)
                net.signal(seed, SIGINT)
                #expect(try net.awaitExit(peer) == 0)
                #expect(try net.awaitExit(seed) == 0)
                #expect(net.logged(peer) { if case .signal("SIGTERM", _) = $0 { true } else { false } })
                #expect(net.logged(seed) { if case .signal("SIGINT", _) = $0 { true } else { false } })
            }
        }
    }
}
