import Foundation
import GossipCore
import Testing

/// `--cluster-key-file`: seeds and peers that share the key form a network; anyone without it
/// (a raw client, a node with another key, a node with none) can neither register, link nor
/// report (docs/PROTOCOL.md, "Cluster key").
extension ProcessTests {
    @Suite struct ClusterKeyTests {
        static let keyText = "a3f1c0de5eed0f0e1ec0ffee15900d00a3f1c0de5eed0f0e\n"

        /// Writes a key file (mode 600) into the test's directory; returns its path.
        static func writeKey(_ net: TestNetwork, _ text: String = keyText, name: String = "cluster.key", mode: Int = 0o600)
            throws -> String
        {
            let path = net.directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            return path
        }

        static func startSeed(_ net: TestNetwork, key: String) throws -> TestNetwork.Node {
            let node = try net.launch("seed", ["--port", "0", "--log-dir", "logs", "--cluster-key-file", key])
            node.port = try net.awaitListeningPort(node)
            return node
        }

        /// A client that holds the key: it sends the hello, checks the welcome, then talks.
        static func keyedClient(port: Int) throws -> LineClient {
            let key = try ClusterKey(fileContent: Array(keyText.utf8))
            var system = SystemRandomNumberGenerator()
            let hello = AuthLine.Hello(
                key: key, destination: NodeAddress(host: .loopback, port: UInt16(port)),
                timestamp: Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)), nonce: Nonce(using: &system))
            let client = try LineClient(port: port)
            client.send(line: Message.auth(.hello(hello)).encoded)
            guard let line = client.readLine(), case .auth(.welcome(let code))? = try? Message(decoding: line),
                code == hello.welcomeCode(key)
            else { throw TestFailure("no valid welcome from port \(port)") }
            return client
        }

        /// A seed's list, asked by a client that holds the key.
        static func listPeers(seedPort: Int) throws -> [String] {
            let client = try keyedClient(port: seedPort)
            client.send(line: "List Peers")
            guard let line = client.readLine(), line.hasPrefix("Peer List:") else {
                throw TestFailure("seed on port \(seedPort) did not answer List Peers")
            }
            let body = line.dropFirst("Peer List:".count)
            return body.isEmpty ? [] : body.split(separator: ",").map(String.init)
        }

        @Test func nodesWithTheKeyFormANetworkAndNobodyWithoutItCanRegisterLinkOrReport() throws {
            try withNetwork { net in
                let key = try Self.writeKey(net)
                let seed = try Self.startSeed(net, key: key)
                try net.writeConfig([seed])
                let peers = try (0..<3).map { _ in try net.startPeer(["--messages", "2", "--cluster-key-file", key]) }

                // The keyed nodes register, link and gossip: every peer gets the others' messages.
                try waitUntil("the keyed peers to register and gossip", timeout: 15) {
                    guard try Set(Self.listPeers(seedPort: seed.port)) == Set(peers.map(\.address)) else { return false }
                    return peers.allSatisfy { peer in
                        let received = net.events(of: peer).compactMap { if case .received(let m, _, _) = $0 { m } else { nil } }
                        return peers.allSatisfy { other in
                            other === peer || received.contains { $0.origin.description == other.address && $0.sequence == 2 }
                        }
                    }
                }

                // A raw client without the key: each line is refused and the connection closed.
                let outsider = "127.0.0.1:6001"
                let attempts: [(port: Int, line: String)] = [
                    (seed.port, "Register:\(outsider)"),
                    (peers[0].port, "Link Request:\(outsider)"),
                    (seed.port, "Dead Node:\(peers[0].address):1795287680.731:\(peers[1].address)"),
                    (seed.port, "List Peers"),
                ]
                for attempt in attempts {
                    let client = try LineClient(port: attempt.port)
                    client.send(line: attempt.line)
                    let answer = client.readLine()
                    #expect(answer?.hasPrefix("Error:cluster key:") == true, "\(attempt.line) got \(answer ?? "nothing")")
                    #expect(answer?.contains("Auth Hello") == true, "the error says what was expected")
                    #expect(client.awaitClose(), "closed after \(attempt.line)")
                }
                // A forged hello (a guessed code) is refused too.
                let forger = try LineClient(port: seed.port)
                let nonce = String(repeating: "0", count: 31) + "1"
                let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
                forger.send(line: "Auth Hello:\(seed.address):\(now):\(nonce):" + String(repeating: "ab", count: 32))
                forger.send(line: "Register:\(outsider)")
                #expect(forger.readLine() == "Error:cluster key: the hello's code does not match this node's cluster key")
                #expect(forger.awaitClose())

                // Nodes with another key, or with none, cannot join either.
                let wrongKey = try Self.writeKey(net, "0000000000000000000000000000000000000000\n", name: "wrong.key")
                let impostor = try net.startPeer(["--messages", "0", "--cluster-key-file", wrongKey])
                let keyless = try net.startPeer(["--messages", "0"])
                try waitUntil("both to be refused by the seed", timeout: 10) {
                    net.logged(impostor) {
                        $0.kind == .errorReceived && $0.texts.first == "seed \(seed.address)"
                            && $0.texts.last?.hasPrefix("cluster key: the hello's code does not match") == true
                    }
                        && net.logged(keyless) {
                            $0.kind == .errorReceived && $0.texts.first == "seed \(seed.address)"
                                && $0.texts.last?.hasPrefix("cluster key:") == true
                        }
                }
                let listed = try Self.listPeers(seedPort: seed.port)
                #expect(Set(listed) == Set(peers.map(\.address)), "listed: \(listed)")
                #expect(!net.logged(seed) { $0.kind == .suspect }, "no report was taken")
                for peer in peers {
                    let linked = net.events(of: peer).compactMap { $0.kind == .linked ? $0.subject?.description : nil }
                    #expect(!linked.contains("\(outsider)") && !linked.contains(impostor.address))
                    #expect(!linked.contains(keyless.address))
                }
            }
        }

        @Test func aKeyFileOpenToOthersEmptyOrShortStopsEveryProgramWithOneLine() throws {
            try withNetwork { net in
                try "127.0.0.1:1\n".write(
                    to: net.directory.appendingPathComponent("config.txt"), atomically: true, encoding: .utf8)
                let open = try Self.writeKey(net, name: "open.key", mode: 0o644)
                let empty = try Self.writeKey(net, "\n", name: "empty.key")
                let short = try Self.writeKey(net, "0123456789\n", name: "short.key")
                let cases: [(file: String, says: String)] = [
                    (open, "is open to group or others (mode 644); run 'chmod 600"), (empty, "the cluster key is empty"),
                    (short, "the cluster key is 10 bytes; at least 32 are needed"),
                    (net.directory.appendingPathComponent("missing.key").path, "cannot read the cluster key file"),
                ]
                for (file, says) in cases {
                    for program in ["seed", "peer", "cluster"] {
                        let placement = program == "cluster" ? ["--peers", "1"] : ["--port", "0"]
                        let node = try net.launch(program, placement + ["--log-dir", "logs", "--cluster-key-file", file])
                        #expect(try net.awaitExit(node) == 2, "\(program) with \(file)")
                        let console = node.console
                        #expect(console.contains(says), "\(program): \(console)")
                        #expect(console.split(separator: "\n").count == 1, "one line: \(console)")
                    }
                }
            }
        }
    }
}
