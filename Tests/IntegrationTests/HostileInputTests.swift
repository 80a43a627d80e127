import Foundation
import Testing

/// Bad bytes sent with a raw socket get their errors, and the node goes on serving.
extension ProcessTests {
    @Suite struct HostileInputTests {
        @Test func aSeedAnswersBadLinesWithErrorsAndKeepsServing() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                let client = try LineClient(port: seed.port)
                // Nothing listens at 127.0.0.1:6001: the seed's probe of it is refused, and so is
                // the registration (a seed lists only addresses that answer).
                client.send(line: "Register:127.0.0.1:6001")
                #expect(client.readLine()?.hasPrefix("Error:registration refused: 127.0.0.1:6001 did not answer the seed's probe") == true)

                client.send(line: "hello")
                #expect(client.readLine() == "Error:unknown message 'hello'")
                client.send(line: "Register:127.0.0.1:99999")
                #expect(client.readLine()?.hasPrefix("Error:malformed Register") == true)
                client.send(line: "Dead Node:127.0.0.1:6001:notatime:127.0.0.1:6002")
                #expect(client.readLine()?.hasPrefix("Error:malformed Dead Node") == true)
                client.send([0xFF, 0xFE, 0x41, 10])
                #expect(client.readLine()?.contains("not valid UTF-8") == true)
                client.send(line: "Liveness Request:1795287680.731:127.0.0.1:6001")
                #expect(client.readLine()?.hasPrefix("Error:a seed does not take") == true)

                // The same connection still works, and nobody was listed.
                client.send(line: "List Peers")
                #expect(client.readLine() == "Peer List:")

                // A line over the limit: an error, then the connection is closed.
                client.send(Array(repeating: UInt8(ascii: "x"), count: 5000))
                #expect(client.readLine()?.contains("longer than 4096 bytes") == true)
                #expect(client.awaitClose())

                // A connection that closes mid-line harms nobody.
                let halfway = try LineClient(port: seed.port)
                halfway.send(Array("Register:127.0.0.1:60".utf8))
                halfway.close()
                // The unfinished line is discarded (not taken as a registration) and logged.
                try waitUntil("the seed to log the close mid-line", timeout: 10) {
                    net.log(of: seed).contains("in the middle of a line (21 bytes discarded)")
                }
                #expect(try LineClient.listPeers(seedPort: seed.port).isEmpty)
                #expect(net.logged(seed) { $0.kind == .registrationProbeFailed && $0.subject?.description == "127.0.0.1:6001" })
                #expect(seed.process.isRunning)
                #expect(net.logged(seed) { $0.kind == .badInput && $0.texts.last == "unknown message 'hello'" })
            }
        }

        /// docs/PROTOCOL.md, "Membership": a report counts only from a listed peer, on the
        /// connection it registered on. Anyone else who can reach a seed gets an error, and the
        /// accused (a real, live peer) stays listed.
        @Test func aForgedDeadNodeFromAnOutsiderRemovesNobody() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                try net.writeConfig([seed])
                let peers = try (0..<2).map { _ in try net.startPeer(["--messages", "0"]) }
                try waitUntil("both peers to register", timeout: 10) {
                    try LineClient.listPeers(seedPort: seed.port).count == 2
                }
                let outsider = try LineClient(port: seed.port)
                outsider.send(line: "Dead Node:\(peers[0].address):1795287680.731:\(peers[1].address)")
                #expect(outsider.readLine()?.hasPrefix("Error:report refused") == true)
                // Well past a liveness interval (0.3 s here): nothing happened to the accused.
                for _ in 0..<10 {
                    #expect(try LineClient.listPeers(seedPort: seed.port).contains(peers[0].address))
                    usleep(100_000)
                }
                #expect(!net.logged(seed) { $0.kind == .suspect && $0.subject?.description == peers[0].address })
            }
        }

        @Test func aPeerAnswersBadLinesWithErrorsAndKeepsLinking() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                try net.writeConfig([seed])
                // Liveness is not what this test is about: with the test's usual 0.3 s, a loaded
                // machine could see the silent stranger closed, or the neighbour (which never
                // answers liveness requests) reported dead, before the test has read its lines.
                let peer = try net.startPeer(["--messages", "0", "--liveness-interval", "60"])

                let stranger = try LineClient(port: peer.port)
                stranger.send(line: "List Peers")
                #expect(stranger.readLine()?.hasPrefix("Error:send 'Link Request") == true)
                stranger.send(line: "Link Request:localhost:1")
                #expect(stranger.readLine()?.hasPrefix("Error:malformed Link Request") == true)

                let neighbour = try LineClient(port: peer.port)
                neighbour.send(line: "Link Request:127.0.0.1:6001")
                #expect(neighbour.readLine() == "Link Accepted:\(peer.address)")
                neighbour.send(line: "1795287680.731:127.0.0.1:6001:0")
                #expect(neighbour.readLine(where: { $0.hasPrefix("Error:") })?.contains("Msg#") == true)
                neighbour.send(line: "Liveness Request:1795287680.731:127.0.0.1:6001")
                #expect(
                    neighbour.readLine(where: { $0.hasPrefix("Liveness Reply:") })
                        == "Liveness Reply:1795287680.731:127.0.0.1:6001:\(peer.address)")

                stranger.send(Array(repeating: UInt8(ascii: "7"), count: 10_000) + [10])
                #expect(stranger.readLine()?.contains("longer than 4096 bytes") == true)
                #expect(stranger.awaitClose())

                // Still serving: another neighbour links.
                let another = try LineClient(port: peer.port)
                another.send(line: "Link Request:127.0.0.1:6002")
                #expect(another.readLine() == "Link Accepted:\(peer.address)")
                #expect(peer.process.isRunning)
            }
        }
    }
}
