import Glibc
import GossipCore
import Testing

@testable import GossipRuntime

/// The control socket's bounds and its directory's checks, in-process.
@Suite struct ControlServerTests {
    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/gossip-ctl-test-XXXXXX".utf8CString)
        return String(cString: try #require(mkdtemp(&template)))
    }

    /// One poll of the server's sockets (at most `wait` ms), then its service.
    static func serve(_ server: ControlServer, wait: Int32 = 100, _ handle: (ControlServer.Client, Substring) -> Void) {
        var set: [pollfd] = []
        server.addPollEntries(&set)
        _ = poll(&set, nfds_t(set.count), wait)
        server.service(set, from: 0, handle: handle)
    }

    @Test func aMonitorThatDoesNotReadIsCutOffAndOthersAreStillServed() throws {
        let directory = try Self.temporaryDirectory()
        defer { _ = system("rm -rf '\(directory)'") }
        var limits = ControlServer.Limits()
        limits.maxOutputBytes = 8 << 10
        let server = try ControlServer(
            directory: directory + "/ctl", role: .peer, address: try NodeAddress(parsing: "127.0.0.1:6001"), limits: limits)
        defer { server.close() }
        let monitor = try UnixSocket.connect(server.path)
        defer { close(monitor) }
        _ = "monitor\n".withCString { send(monitor, $0, 8, 0) }
        for _ in 0..<20 where !server.monitoring {
            Self.serve(server) { client, line in
                #expect(line == "monitor")
                server.reply(client, [], end: "OK monitoring")
                client.monitor = (false, [])
            }
        }
        #expect(server.monitoring)
        // The log writes lines the monitor never reads: the kernel's buffer fills, then the
        // server's, and at its bound the monitor is cut off. Bounded: at most 4 MiB offered.
        let event = NodeEvent.errorReceived(from: "127.0.0.1:40000", reason: String(repeating: "x", count: 1000))
        let time = Array("2026-11-22 07:00:00.000000".utf8)
        var offered = 0
        while server.monitoring && offered < 4 << 20 {
            server.logged(event, time: time)
            server.logFlushed()
            offered += 1000
        }
        #expect(!server.monitoring)
        #expect(server.notes.contains { $0.hasPrefix("cut off a monitor") })
        #expect(server.clients.allSatisfy { $0.gone })

        // Another client is still answered.
        let other = try UnixSocket.connect(server.path)
        defer { close(other) }
        _ = "status\n".withCString { send(other, $0, 7, 0) }
        var answered = false
        for _ in 0..<20 where !answered {
            Self.serve(server) { client, _ in
                server.reply(client, ["role: peer"], end: "OK")
                answered = true
            }
        }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(other, &buffer, 64, 0)
        #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self) == "role: peer\nOK\n")
    }

    @Test func theDirectoryIsMade0700AndOneOthersMayWriteIsRefused() throws {
        let directory = try Self.temporaryDirectory()
        defer { _ = system("rm -rf '\(directory)'") }
        try ControlDirectory.prepare(directory + "/made")
        var info = stat()
        #expect(stat(directory + "/made", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(mkdir(directory + "/open", 0o700) == 0)
        #expect(chmod(directory + "/open", 0o777) == 0)
        #expect(throws: RuntimeError.self) { try ControlDirectory.prepare(directory + "/open") }
        #expect(symlink(directory + "/made", directory + "/link") == 0)
        #expect(throws: RuntimeError.self) { try ControlDirectory.prepare(directory + "/link") }
    }

    @Test func aNinthClientIsTurnedAway() throws {
        let directory = try Self.temporaryDirectory()
        defer { _ = system("rm -rf '\(directory)'") }
        let server = try ControlServer(directory: directory, role: .seed, address: try NodeAddress(parsing: "127.0.0.1:5001"))
        defer { server.close() }
        let clients = try (0..<9).map { _ in try UnixSocket.connect(server.path) }
        defer { clients.forEach { close($0) } }
        for _ in 0..<5 { Self.serve(server, wait: 20) { _, _ in } }
        #expect(server.clients.count == 8)
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = recv(clients[8], &buffer, 128, 0)
        #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self).hasPrefix("Error: too many control clients (8)"))
    }
}
