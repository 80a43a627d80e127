import Foundation
import GossipCore
import Testing

/// Real `seed` and `peer` processes on 127.0.0.1, in a temporary directory with its own
/// `config.txt` and `logs/`. Every process started is stopped and reaped by `close()`, which
/// `withNetwork` calls also when the test fails.
final class TestNetwork {
    let directory: URL
    var logDirectory: URL { directory.appendingPathComponent("logs") }
    private(set) var processes: [Node] = []

    /// One started program.
    final class Node {
        let process: Process
        let role: String
        let consoleFile: URL
        var port: Int = 0
        var address: String { "127.0.0.1:\(port)" }

        init(process: Process, role: String, consoleFile: URL) {
            self.process = process
            self.role = role
            self.consoleFile = consoleFile
        }

        var console: String { (try? String(contentsOf: consoleFile, encoding: .utf8)) ?? "" }
    }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gossip-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Where `swift build` put the programs: beside the test bundle.
    static let binaries: URL = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // The test binary may sit inside a `.xctest` bundle directory.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("seed").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }()

    /// Starts a program with `arguments`; its console goes to a file in the test directory.
    /// `descriptorLimit`: run it under `ulimit -n` (through `/bin/sh`, which then `exec`s the
    /// program, so the PID is the program's); only that child is limited, not the tests.
    /// `stdout`: a pipe for its standard output instead of the console file (which then only
    /// gets standard error).
    /// `workingDirectory`: where it runs (default: the test directory, with its `config.txt`).
    @discardableResult
    func launch(
        _ program: String, _ arguments: [String], stdin: Pipe? = nil, stdout: Pipe? = nil, descriptorLimit: Int? = nil,
        workingDirectory: URL? = nil
    ) throws -> Node {
        let process = Process()
        let path = Self.binaries.appendingPathComponent(program)
        if let descriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", path.path] + arguments
        } else {
            process.executableURL = path
            process.arguments = arguments
        }
        process.currentDirectoryURL = workingDirectory ?? directory
        let consoleFile = directory.appendingPathComponent("\(program)-\(processes.count).console")
        _ = FileManager.default.createFile(atPath: consoleFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: consoleFile)
        process.standardOutput = stdout ?? handle
        process.standardError = handle
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        let node = Node(process: process, role: program, consoleFile: consoleFile)
        processes.append(node)
        return node
    }

    /// Starts a seed on a free port and waits until it listens.
    func startSeed(_ extra: [String] = [], descriptorLimit: Int? = nil) throws -> Node {
        let node = try launch("seed", ["--port", "0", "--log-dir", "logs"] + control(extra) + extra, descriptorLimit: descriptorLimit)
        node.port = try awaitListeningPort(node)
        return node
    }

    /// The nodes' control sockets go in the test's directory (removed with it), not in the
    /// user's, unless the test names a directory itself.
    var controlDirectory: String { directory.appendingPathComponent("ctl").path }

    private func control(_ extra: [String]) -> [String] {
        extra.contains("--control-dir") || extra.contains("--no-control") ? [] : ["--control-dir", controlDirectory]
    }

    /// Writes `config.txt` listing the seeds.
    func writeConfig(_ seeds: [Node]) throws {
        let text = "# seeds of this test\n" + seeds.map { $0.address + "\n" }.joined()
        try text.write(to: directory.appendingPathComponent("config.txt"), atomically: true, encoding: .utf8)
    }

    /// Starts a peer on a free port with short timings and waits until it listens.
    func startPeer(_ extra: [String] = []) throws -> Node {
        let node = try launch(
            "peer",
            ["--port", "0", "--log-dir", "logs", "--gossip-interval", "0.2", "--liveness-interval", "0.3"] + control(extra) + extra)
        node.port = try awaitListeningPort(node)
        return node
    }

    /// Reads the port from the node's `seedListening` or `peerListening` event on its console.
    func awaitListeningPort(_ node: Node) throws -> Int {
        var found: Int?
        try waitUntil("\(node.role) listening", timeout: 10) {
            if !node.process.isRunning { throw TestFailure("\(node.role) exited: \(node.console)") }
            for event in EventParser.events(inLog: node.console) {
                switch event {
                case .seedListening(let address), .peerListening(let address, _): found = Int(address.port)
                default: continue
                }
            }
            return found != nil
        }
        return found!
    }

    /// The node's log file up to its last newline (a node killed in the middle of a write
    /// leaves a torn last line, which is not a line), for `contains`; to read it line by line
    /// use `logLines`.
    func log(of node: Node) -> String {
        guard let data = try? Data(contentsOf: logPath(of: node)), let end = data.lastIndex(of: 10) else { return "" }
        return String(decoding: data[...end], as: UTF8.self)
    }

    func logPath(of node: Node) -> URL {
        logDirectory.appendingPathComponent(node.role == "seed" ? "seedlog_\(node.port).txt" : "peerlog_\(node.port).txt")
    }

    /// The complete lines of the node's log, split at `\n` bytes as every log reader does
    /// (`LogLines.lines`: never by Character, and a torn last line left out).
    func logLines(of node: Node) -> [Substring] { LogLines.lines(in: log(of: node)) }

    /// The events of the node's log, read back by the one parser (`EventParser`): what tests
    /// check, never a sentence.
    func events(of node: Node) -> [NodeEvent] { EventParser.events(inLog: log(of: node)) }

    /// Whether the node's log has an event that `matches`.
    func logged(_ node: Node, _ matches: (NodeEvent) -> Bool) -> Bool { events(of: node).contains(where: matches) }

    /// How many events of the node's log `match`.
    func count(_ node: Node, _ matches: (NodeEvent) -> Bool) -> Int { events(of: node).count(where: matches) }

    func signal(_ node: Node, _ number: Int32) {
        if node.process.isRunning { kill(node.process.processIdentifier, number) }
    }

    /// Waits for the process to exit and returns its status.
    func awaitExit(_ node: Node, timeout: TimeInterval = 10) throws -> Int32 {
        try waitUntil("\(node.role) to exit", timeout: timeout) { !node.process.isRunning }
        return node.process.terminationStatus
    }

    /// SIGKILLs whatever still runs, reaps it, and removes the directory.
    func close() {
        for node in processes where node.process.isRunning {
            kill(node.process.processIdentifier, SIGKILL)
        }
        for node in processes { node.process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` with a fresh network and always tears it down.
func withNetwork(_ body: (TestNetwork) throws -> Void) throws {
    let network = try TestNetwork()
    defer { network.close() }
    try body(network)
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 20 ms until it holds; fails the test after `timeout` seconds.
func waitUntil(_ what: String, timeout: TimeInterval, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.02)
    }
    if try condition() { return }
    throw TestFailure("timed out after \(timeout) s waiting for \(what)")
}
