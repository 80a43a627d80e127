import Foundation
import GossipCore
import Testing

/// `--log-format json` and `--console-level` on a real peer (docs/LOGS.md): the file is JSON
/// lines only and keeps every level; the console shows only its level and up.
extension ProcessTests {
    @Suite struct LogFormatTests {
        @Test func aJSONPeerWritesOnlyJSONLinesAndItsConsoleOnlyWarningsAndUp() throws {
            try withNetwork { net in
                let seed = try net.startSeed()
                try net.writeConfig([seed])
                let other = try net.startPeer(["--messages", "0"])
                // Its own log directory: its console (warnings only) does not say where it listens.
                let peer = try net.launch(
                    "peer",
                    [
                        "--port", "0", "--log-dir", "logs-json", "--log-format", "json", "--console-level", "warning",
                        "--messages", "2", "--gossip-interval", "0.2", "--liveness-interval", "0.3",
                    ])
                let directory = net.directory.appendingPathComponent("logs-json")
                var path: URL?
                func records() -> [LogRecord] {
                    guard let path else { return [] }
                    return EventParser.records(inLog: (try? String(contentsOf: path, encoding: .utf8)) ?? "")
                }
                try waitUntil("the JSON peer to link and create its messages", timeout: 15) {
                    if !peer.process.isRunning { throw TestFailure("the peer exited: \(peer.console)") }
                    path =
                        path
                        ?? (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.first
                        .map { directory.appendingPathComponent($0) }
                    let events = records().map(\.event)
                    return events.contains { $0.kind == .linked } && events.count { $0.kind == .created } == 2
                }
                // A warning: its neighbour dies, the link is lost.
                kill(other.process.processIdentifier, SIGKILL)
                try waitUntil("the lost link to be logged", timeout: 10) { records().contains { $0.event.kind == .linkLost } }
                net.signal(peer, SIGTERM)
                #expect(try net.awaitExit(peer) == 0)

                let text = try String(contentsOf: try #require(path), encoding: .utf8)
                let lines = LogLines.lines(in: text)
                let file = records()
                #expect(lines.count > 5 && file.count == lines.count, "every line of the file is a record")
                #expect(lines.allSatisfy { $0.hasPrefix("{\"time\":") && $0.hasSuffix("}") }, "JSON lines only")
                let address = try #require(file.first { $0.event.kind == .peerListening }?.event.subject)
                #expect(file.allSatisfy { $0.node == address }, "each line names its node")
                let levels = Set(file.map(\.level))
                #expect(levels.isSuperset(of: [.debug, .info, .warning]), "the file keeps every level: \(levels)")
                #expect(file.last?.event == .stopped)

                let console = EventParser.records(inLog: peer.console)
                #expect(!console.isEmpty && console.count == LogLines.lines(in: peer.console).count, "\(peer.console)")
                #expect(console.allSatisfy { $0.level >= .warning && $0.node == address })
                #expect(console.map(\.event) == file.filter { $0.level >= .warning }.map(\.event))
            }
        }
    }
}
