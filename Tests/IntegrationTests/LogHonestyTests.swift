import Foundation
import GossipCore
import Testing

@testable import Cluster

/// Issue 11, "the log can be forged": control characters from the wire were written raw, so an
/// `Error:` line carrying `\r` and an ANSI escape showed on a terminal as a `Removed peer`
/// line, and a line ending in `\r` made the log's readers merge it with the next.
extension ProcessTests {
    @Suite struct LogHonestyTests {
        /// Returns the cursor, clears the line, and writes a removal of its own (the sentence the
        /// renderer writes for one); ends in `\r`.
        static let forgery =
            "\r\u{1B}[2K"
            + EventRenderer.sentence(.removedDead(NodeAddress(host: .loopback, port: 6009), evidence: "forged", listed: 0)) + "\r"

        /// Bytes a log or console must never hold: control characters other than the newline,
        /// DEL, and anything beyond ASCII (every byte from the wire is shown escaped).
        static func rawBytes(in data: Data) -> [UInt8] {
            data.filter { ($0 < 0x20 && $0 != 10) || $0 >= 0x7F }
        }

        @Test func controlCharactersFromTheWireShowEscapedAndReadersAreNotFooled() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                let attacker = try LineClient(port: seed.port)
                // The framer takes one `\r` before the `\n` for a line ending; the second stays.
                attacker.send(Array(("Error:" + Self.forgery + "\r\n").utf8))
                attacker.send(Array(("hi" + Self.forgery + "\r\n").utf8))
                let answer = try #require(attacker.readLine(), "an Error: answer to the unknown message")
                #expect(answer == "Error:unknown message '" + Message.quote(("hi" + Self.forgery)[...]) + "'", "\(answer)")
                #expect(answer.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "the answer is one printable line")

                // A real event right after the forged lines: a reader must still see it.
                // (A real peer: a seed lists only an address that answers its probe.)
                try net.writeConfig([seed])
                let registrant = try net.startPeer(["--messages", "0", "--liveness-interval", "5"])
                try waitUntil("the registration to be logged", timeout: 10) {
                    net.logged(seed) { $0.kind == .peerRegistered && $0.subject?.description == registrant.address }
                }

                let file = try Data(contentsOf: net.logPath(of: seed))
                #expect(Self.rawBytes(in: file).isEmpty, "no raw control byte in the log file")
                #expect(Self.rawBytes(in: try Data(contentsOf: seed.consoleFile)).isEmpty, "nor on the console")
                let lines = net.logLines(of: seed)
                #expect(lines.allSatisfy { EventParser.record($0) != nil }, "every line is a whole log line")
                // The Error: line whole, the unknown message as a 60-character excerpt: each on one
                // line, escaped, and read back as what was received.
                let events = net.events(of: seed)
                #expect(events.contains { $0.kind == .errorReceived && $0.texts.last == Self.forgery })
                #expect(lines.contains { $0.hasSuffix(VisibleText.escaped(Self.forgery)) })
                #expect(events.contains { $0.kind == .badInput && $0.texts.last?.contains(Message.quote(("hi" + Self.forgery)[...])) == true })
                #expect(!net.logged(seed) { $0.kind == .removedDead }, "no line reads back as a removal")

                // `cluster`'s reader of a seed's log counts no removal, and misses no registration.
                let log = SeedLog(path: net.logPath(of: seed).path)
                log.update()
                #expect(log.removals.isEmpty, "no false removal: \(log.removals.map(\.peer))")
                #expect(log.registrations.map(\.peer) == [try NodeAddress(parsing: registrant.address)])
            }
        }

        @Test func aConnectionSendingNothingButGarbageIsClosedAndItsErrorsAreNotAllLogged() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                let clients = try (0..<4).map { _ in try LineClient(port: seed.port) }
                for client in clients { client.send(Array(repeating: Array("x\n".utf8), count: 40).flatMap { $0 }) }
                for client in clients {
                    var answers: [String] = []
                    while let line = client.readLine() { answers.append(line) }
                    #expect(client.closedByPeer, "closed after its refused lines")
                    #expect(answers.count == 17, "16 answers, then why it is closed: \(answers.suffix(2))")
                    #expect(answers.last == "Error:16 lines refused within 10.0 s; closing the connection")
                }
                #expect(try LineClient.listPeers(seedPort: seed.port).isEmpty, "the seed serves on")
                try waitUntil("the closes to be logged", timeout: 10) {
                    net.count(seed) { $0.kind == .connectionEnded && $0.texts.last?.hasPrefix("closed: 16 lines refused") == true } == 4
                }
                // 10 a host per 10 s period (20 if the burst happened to straddle two periods).
                let logged = net.count(seed) { $0.kind == .badInput && $0.texts.first?.hasPrefix("127.0.0.1:") == true }
                #expect((10...20).contains(logged), "\(logged) of the 64 errors logged")
            }
        }
    }
}

/// `cluster`'s log readers (`LogTail`, under `PeerLog` and `SeedLog`) split at `\n` bytes and
/// never hand over a torn last line.
@Suite struct LogReaderTests {
    @Test func aLineEndingInCarriageReturnDoesNotSwallowTheNextAndATornLineWaits() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("seedlog-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        func line(_ time: String, _ event: NodeEvent) -> String {
            var bytes: [UInt8] = []
            EventRenderer.appendHuman(event, time: Array(time.utf8), node: nil, into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        let start = line("2026-11-22 03:00:00.000000", .badInput(from: "127.0.0.1:40000", error: "whatever")) + "\r\n"
        let evidence = "its port refused the seed's probe"
        let removal = line("2026-11-22 03:00:01.000000", .removedDead(.init(host: .loopback, port: 6001), evidence: evidence, listed: 0)) + "\n"
        let second = line("2026-11-22 03:00:02.000000", .removedDead(.init(host: .loopback, port: 6002), evidence: evidence, listed: 0)) + "\n"
        let torn = String(second.prefix(60))
        try (start + removal + torn).write(toFile: path, atomically: false, encoding: .utf8)
        let log = SeedLog(path: path)
        log.update()
        #expect(log.removals.map(\.peer.description) == ["127.0.0.1:6001"], "the line after the CR is read; the torn one is not")
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(second.dropFirst(60).utf8))
        try handle.close()
        log.update()
        #expect(log.removals.map(\.peer.description) == ["127.0.0.1:6001", "127.0.0.1:6002"], "finished, it is read whole")
        #expect(log.removals.last?.reason == "dead")
    }
}
