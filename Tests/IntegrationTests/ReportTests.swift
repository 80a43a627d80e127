import Foundation
import Testing

/// Whether a real browser can render the reports here: headless Chromium. As root without
/// it, it is installed once with apt-get (as `.ci/run` does); otherwise the browser tests are
/// skipped, and the reason is printed and shown as the tests' skip comment.
enum Browser {
    static let status: (path: String?, reason: String) = {
        if let path = find() { return (path, "chromium at \(path)") }
        guard geteuid() == 0 else {
            return report(
                nil, "report browser tests skipped: no chromium, and not root to install it (apt-get install -y chromium)")
        }
        print("report browser tests: installing chromium with apt-get")
        _ = LabEnvironment.shell("/usr/bin/apt-get", ["update", "-qq"])
        _ = LabEnvironment.shell("/usr/bin/apt-get", ["install", "-y", "-qq", "chromium"])
        guard let path = find() else {
            return report(nil, "report browser tests skipped: apt-get could not install chromium")
        }
        return (path, "installed chromium")
    }()

    static var ready: Bool { status.path != nil }
    static var reason: Comment { Comment(rawValue: status.reason) }

    private static func report(_ path: String?, _ reason: String) -> (String?, String) {
        print(reason)
        return (path, reason)
    }

    static func find() -> String? {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for dir in ["/usr/bin", "/usr/local/bin", "/snap/bin"]
            where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    /// Screenshots `page` at 1200 × 3000; the PNG's bytes and what the browser logged.
    static func screenshot(_ page: URL, to png: URL) throws -> (png: Data, log: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: status.path!)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
            "--screenshot=\(png.path)", "--window-size=1200,3000", page.absoluteString,
        ]
        let log = page.deletingPathExtension().appendingPathExtension("browser.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(90)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw TestFailure("chromium did not finish rendering \(page.lastPathComponent) within 90 s")
        }
        try handle.close()
        return (try Data(contentsOf: png), (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}

extension ProcessTests {
    /// `cluster report` pages of a real run, a simulation and two bench files, rendered by
    /// headless Chromium: the page loads with nothing on the console, and the screenshot is
    /// not blank. The pages' structure is unit-tested in `VisualTests`.
    @Suite(.enabled(if: Browser.ready, Browser.reason)) struct ReportTests {
        /// The bench JSON files of `Fixtures/` (their README says where they come from).
        static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

        /// A blank page rendered the same way: the size a screenshot with nothing on it has.
        static let blankSize: Int = {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gossip-blank-\(getpid())")
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let page = directory.appendingPathComponent("blank.html")
            try? "<!DOCTYPE html><html><body></body></html>\n".write(to: page, atomically: true, encoding: .utf8)
            return (try? Browser.screenshot(page, to: directory.appendingPathComponent("blank.png")).png.count) ?? 0
        }()

        /// Renders `page` and checks it: a PNG of 1200 × 3000 that is far larger than a blank
        /// page's (a screenshot is deflate-compressed, so one flat colour packs to a few KB and
        /// charts, tables and text do not; decoding the pixels would need zlib, which Swift on
        /// Linux does not expose without Foundation's private parts), and a console with no
        /// message at all (the page has no script, so any message is a problem).
        func render(_ page: URL, expectSVGs: Int) throws {
            let html = try String(contentsOf: page, encoding: .utf8)
            #expect(!html.contains("<script"))
            #expect(count("<svg ", in: html) == expectSVGs)
            let png = page.deletingPathExtension().appendingPathExtension("png")
            let (data, log) = try Browser.screenshot(page, to: png)
            let consoleLines = log.split(separator: "\n").filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
            #expect(consoleLines.isEmpty, "console: \(consoleLines)")
            #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not a PNG")
            let width = data.count >= 24 ? data[16..<20].reduce(0) { $0 << 8 | Int($1) } : 0
            let height = data.count >= 24 ? data[20..<24].reduce(0) { $0 << 8 | Int($1) } : 0
            #expect(width == 1200 && height == 3000)
            #expect(Self.blankSize > 0)
            #expect(data.count > 4 * Self.blankSize, "screenshot \(data.count) bytes, a blank page \(Self.blankSize)")
            if let keep = ProcessInfo.processInfo.environment["GOSSIP_REPORT_SCREENSHOTS"] {
                let target = URL(fileURLWithPath: keep).appendingPathComponent(png.lastPathComponent)
                try? FileManager.default.removeItem(at: target)
                try? FileManager.default.copyItem(at: png, to: target)
            }
        }

        func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

        @Test func aRunReportsItselfAndThePageRenders() throws {
            try withNetwork { net in
                var attempt = 0
                while true {
                    attempt += 1
                    let reserved = try ProcessTests.ClusterTests.ReservedPorts(2)
                    try reserved.ports.map { "127.0.0.1:\($0)\n" }.joined().write(
                        to: net.directory.appendingPathComponent("config.txt"), atomically: true, encoding: .utf8)
                    let cluster = try net.launch(
                        "cluster",
                        [
                            "--peers", "5", "--gossip-interval", "0.2", "--messages", "3", "--liveness-interval", "1",
                            "--log-dir",
                            "run-logs", "--report", "run.html",
                        ])
                    let status = try net.awaitExit(cluster, timeout: 60)
                    reserved.release()
                    if status != 0, cluster.console.contains("before listening"), attempt < 3 { continue }
                    #expect(status == 0, "\(cluster.console)")
                    #expect(cluster.console.contains("Report written to run.html"))
                    break
                }
                let page = net.directory.appendingPathComponent("run.html")
                let html = try String(contentsOf: page, encoding: .utf8)
                #expect(html.contains("Command: cluster --peers 5 --gossip-interval 0.2"))
                #expect(html.contains("60 pairs in all, 60 delivered (100.0 %)"))
                try render(page, expectSVGs: 4)
                // The same logs through `cluster report` give the same charts (the command line
                // and the stop time are what only the run itself knows).
                let again = try net.launch("cluster", ["report", "run-logs", "--out", "again.html", "--title", "Again"])
                #expect(try net.awaitExit(again, timeout: 30) == 0, "\(again.console)")
                let second = try String(contentsOf: net.directory.appendingPathComponent("again.html"), encoding: .utf8)
                #expect(second.contains("<title>Again</title>"))
                #expect(count("<svg ", in: second) == 4)
            }
        }

        @Test func aSimulationReportRenders() throws {
            try withNetwork { net in
                let simulate = try net.launch(
                    "cluster",
                    [
                        "simulate", "--seeds", "3", "--peers", "50", "--broadcasts", "5", "--crash", "2@10s", "--latency",
                        "exp:3ms",
                        "--json", "sim.json",
                    ])
                #expect(try net.awaitExit(simulate, timeout: 60) == 0, "\(simulate.console)")
                let report = try net.launch("cluster", ["report", "sim.json", "--out", "sim.html"])
                #expect(try net.awaitExit(report, timeout: 30) == 0, "\(report.console)")
                // Figures, coverage, hops, degree, detection, overlay, tree: six charts.
                try render(net.directory.appendingPathComponent("sim.html"), expectSVGs: 6)
                // Deterministic: the same JSON gives the same bytes.
                let twice = try net.launch("cluster", ["report", "sim.json", "--out", "sim2.html"])
                #expect(try net.awaitExit(twice, timeout: 30) == 0)
                #expect(
                    try Data(contentsOf: net.directory.appendingPathComponent("sim.html"))
                        == Data(contentsOf: net.directory.appendingPathComponent("sim2.html")))
            }
        }

        @Test func benchReportsRenderAloneAndSideBySide() throws {
            try withNetwork { net in
                let a = Self.fixtures.appendingPathComponent("bench-quick-a.json").path
                let b = Self.fixtures.appendingPathComponent("bench-quick-b.json").path
                let one = try net.launch("cluster", ["report", a, "--out", "bench.html"])
                #expect(try net.awaitExit(one, timeout: 30) == 0, "\(one.console)")
                // Dissemination, throughput, memory and CPU, detection.
                try render(net.directory.appendingPathComponent("bench.html"), expectSVGs: 5)
                let two = try net.launch("cluster", ["report", a, b, "--out", "bench-ab.html"])
                #expect(try net.awaitExit(two, timeout: 30) == 0, "\(two.console)")
                try render(net.directory.appendingPathComponent("bench-ab.html"), expectSVGs: 5)
                let bad = try net.launch("cluster", ["report", a, "--out", "x.html", "--bogus"])
                #expect(try net.awaitExit(bad, timeout: 30) == 2)
            }
        }
    }
}
