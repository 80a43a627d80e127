import Foundation
import Testing

/// Whether libFuzzer works with this toolchain: a one-line target is built with
/// `swiftc -sanitize=fuzzer`. Without it the fuzz test is skipped, and the reason printed and
/// shown as the test's skip comment.
enum Fuzzer {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let status: (ready: Bool, reason: String) = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gossip-fuzz-probe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try """
            @_cdecl("LLVMFuzzerTestOneInput")
            public func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { 0 }
            """.write(to: directory.appendingPathComponent("probe.swift"), atomically: true, encoding: .utf8)
        } catch {
            return report(false, "fuzz test skipped: cannot write a probe (\(error))")
        }
        let (status, output) = run(
            "swiftc -sanitize=fuzzer -parse-as-library probe.swift -o probe", in: directory, timeout: 120)
        guard status == 0 else {
            return report(false, "fuzz test skipped: swiftc -sanitize=fuzzer does not work here: \(output.suffix(300))")
        }
        return (true, "swiftc -sanitize=fuzzer works")
    }()

    static var ready: Bool { status.ready }
    static var reason: Comment { Comment(rawValue: status.reason) }

    private static func report(_ ready: Bool, _ reason: String) -> (Bool, String) {
        print(reason)
        return (ready, reason)
    }

    /// Runs a shell command line in `directory` (output to a file, so a full pipe cannot stall
    /// it); kills it at `timeout`. Returns the exit status (-1 on time-out) and the output.
    static func run(_ command: String, in directory: URL, environment: [String: String] = [:], timeout: TimeInterval)
        -> (Int32, String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("gossip-fuzz-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        guard let handle = try? FileHandle(forWritingTo: log) else { return (-1, "cannot open \(log.path)") }
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (-1, "cannot start /bin/sh: \(error)") }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        var status = Int32(-1)
        if process.isRunning {
            process.terminate()  // Its own child: the shell `exec`s the fuzzer, so this PID is it.
        }
        process.waitUntilExit()
        if Date() < deadline { status = process.terminationStatus }
        return (status, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}

/// A short run of every fuzz target (`Fuzz/`): the checked-in corpus, which holds the inputs of
/// every bug the fuzzer found, then new inputs for a few seconds. Long runs are by hand
/// (`Fuzz/run.sh`, docs/LIMITS.md "Fuzzing").
@Suite(.enabled(if: Fuzzer.ready, Fuzzer.reason)) struct FuzzTests {
    @Test("every fuzz target replays its corpus and runs new inputs without breaking a property")
    func shortFuzzRun() throws {
        let build = Fuzzer.run("Fuzz/build.sh debug", in: Fuzzer.root, timeout: 300)
        try #require(build.0 == 0, "Fuzz/build.sh debug failed:\n\(build.1.suffix(3000))")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("gossip-fuzz-work-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        for target in ["codec", "config", "seed", "peer", "auth"] {
            let started = Date()
            // A fixed seed: the same mutations every run, as many as 6 s allow.
            let (status, output) = Fuzzer.run(
                "Fuzz/run.sh \(target) -seed=1 -max_total_time=6", in: Fuzzer.root,
                environment: ["GOSSIP_FUZZ_BUILD": "debug", "GOSSIP_FUZZ_WORK": work.path], timeout: 120)
            let runs = output.split(separator: "\n").first { $0.hasPrefix("stat::number_of_executed_units:") } ?? "?"
            print(
                "fuzz \(target): \(runs.split(separator: " ").last ?? "?") inputs in \(Int(Date().timeIntervalSince(started))) s")
            let saved = ".build/fuzz/artifacts/\(target)"
            #expect(status == 0, "fuzz target \(target) broke a property (input saved in \(saved)):\n\(output.suffix(2500))")
        }
    }
}
