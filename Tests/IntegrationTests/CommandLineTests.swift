import Foundation
import GossipCore
import Testing

/// How the programs treat their command line, config file and port.
extension ProcessTests {
    @Suite struct CommandLineTests {
        @Test func aBadTimingOptionIsOneLineNamingTheOptionAndExitTwo() throws {
            try withNetwork { net in
                try "127.0.0.1:5001\n".write(
                    to: net.directory.appendingPathComponent("config.txt"), atomically: true, encoding: .utf8)
                for (arguments, named) in [
                    (["--gossip-interval", "0"], "--gossip-interval"),
                    (["--liveness-misses", "0"], "--liveness-misses"),
                    (["--max-links", "0"], "--max-links"),
                    (["--liveness-interval", "soon"], "--liveness-interval"),
                    (["--bogus"], "--bogus"),
                ] {
                    let node = try net.launch("peer", ["--port", "0"] + arguments)
                    #expect(try net.awaitExit(node) == 2)
                    let lines = LogLines.lines(in: node.console)
                    #expect(lines.count == 1)
                    #expect(node.console.contains(named))
                }
            }
        }

        @Test func aBadConfigLineNamesTheFileAndLine() throws {
            try withNetwork { net in
                try "# seeds\n127.0.0.1:5001\n127.0.0.1:port\n".write(
                    to: net.directory.appendingPathComponent("config.txt"), atomically: true, encoding: .utf8)
                let node = try net.launch("peer", ["--port", "0"])
                #expect(try net.awaitExit(node) == 2)
                #expect(node.console.hasPrefix("peer: config.txt:3: "))
            }
        }

        @Test func aPortInUseIsOneLineAndExitTwo() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                let second = try net.launch("seed", ["--port", "\(seed.port)"])
                #expect(try net.awaitExit(second) == 2)
                #expect(second.console == "seed: cannot listen on 127.0.0.1:\(seed.port): the port is in use\n")
            }
        }

        @Test func withoutAPortTheSeedAsksForOneUntilTheAnswerIsValid() throws {
            try withNetwork { net in
                let input = Pipe()
                let seed = try net.launch("seed", ["--log-dir", "logs"], stdin: input)
                input.fileHandleForWriting.write(Data("seventy\n0\n".utf8))
                seed.port = try net.awaitListeningPort(seed)
                #expect(seed.console.components(separatedBy: "Enter port number for seed: ").count == 3)
                #expect(seed.console.contains("'seventy' is not a port number"))
                net.signal(seed, SIGTERM)
                #expect(try net.awaitExit(seed) == 0)
            }
        }

        @Test func withoutAPortAndNoInputThePeerExitsTwo() throws {
            try withNetwork { net in
                try "127.0.0.1:5001\n".write(
                    to: net.directory.appendingPathComponent("config.txt"), atomically: true, encoding: .utf8)
                let peer = try net.launch("peer", [])
                #expect(try net.awaitExit(peer) == 2)
                #expect(peer.console.contains("Enter port number for peer: "))
                #expect(peer.console.contains("no port given"))
            }
        }
    }
}
