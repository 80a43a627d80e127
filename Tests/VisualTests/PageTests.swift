import GossipReport
import Testing

@testable import GossipVisual

@Suite struct PageTests {
    /// Two seeds, four peers; peer 3 dies; two messages, the second not reaching peer 3.
    static func run(hostile: String = "") -> RunData {
        var nodes = [
            RunData.Node(name: "127.0.0.1:5001", isSeed: true, marks: [.init(at: 0, kind: .listening)]),
            RunData.Node(name: "127.0.0.1:5002", isSeed: true, marks: [.init(at: 0.01, kind: .listening)]),
        ]
        for k in 0..<4 {
            nodes.append(
                .init(
                    name: "127.0.0.1:600\(k)", isSeed: false,
                    marks: [.init(at: 0.1, kind: .listening), .init(at: 0.12, kind: .registered), .init(at: 0.13, kind: .linked)])
            )
        }
        nodes[5].marks.append(.init(at: 2, kind: .dead))
        let first = RunData.Message(
            text: "1.0:127.0.0.1:6000:1" + hostile, origin: 2, createdAt: 0.5,
            receipts: [
                .init(node: 3, from: 2, fromName: "127.0.0.1:6000", at: 0.501),
                .init(node: 4, from: 3, fromName: "127.0.0.1:6001", at: 0.502),
                .init(node: 5, from: 2, fromName: "127.0.0.1:6000", at: 0.5015),
            ])
        let second = RunData.Message(
            text: "2.0:127.0.0.1:6001:1", origin: 3, createdAt: 2.5,
            receipts: [.init(node: 2, from: 3, fromName: "x", at: 2.501), .init(node: 4, from: 3, fromName: "x", at: 2.502)])
        return RunData(
            source: "logs" + hostile, command: "cluster --peers 4", nodes: nodes, links: [(2, 3), (3, 4), (2, 5), (3, 2)],
            messages: [first, second], end: 3, notes: [])
    }

    @Test func aRunPageHasEveryChartWithWordsBesideIt() {
        let page = RunPage.html(Self.run(), title: nil, message: nil)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(!page.contains("<script"))
        // Nothing is fetched: the only address in the page is SVG's namespace name.
        #expect(count("http", in: page) == count("xmlns=\"http://www.w3.org/2000/svg\"", in: page))
        #expect(count("<svg ", in: page) == 4)
        #expect(count("<desc ", in: page) == 4)
        #expect(count("<table>", in: page) == 4)
        #expect(page.contains("<title>Cluster run: 4 peers, 2 seeds</title>"))
        #expect(page.contains("Command: cluster --peers 4"))
        // 2 messages × 3 other peers = 6 pairs, 5 delivered.
        #expect(page.contains("6 pairs in all, 5 delivered (83.3 %)"))
        #expect(page.contains("Never received by: 127.0.0.1:6003") == false)
        #expect(page.contains("Removed as dead: 127.0.0.1:6003."))
        #expect(page.contains("at most 2 hops"))
        // The duplicate link (3, 2) is drawn once.
        #expect(page.contains("4 peers and 3 links"))
    }

    @Test func theSameRunGivesTheSameBytes() {
        #expect(RunPage.html(Self.run(), title: "t", message: nil) == RunPage.html(Self.run(), title: "t", message: nil))
    }

    @Test func aChosenMessageGetsItsTreeAndAnUnknownOneIsSaidToBeMissing() {
        let chosen = RunPage.html(Self.run(), title: nil, message: "2.0:127.0.0.1:6001")
        #expect(chosen.contains("Dissemination tree of 2.0:127.0.0.1:6001:1"))
        #expect(chosen.contains("Never received by: 127.0.0.1:6003."))
        let missing = RunPage.html(Self.run(), title: nil, message: "nope")
        #expect(missing.contains("No message in these logs is nope"))
        #expect(count("<svg ", in: missing) == 3)
    }

    @Test func hostileBytesFromLogsAreEscapedEverywhere() {
        let page = RunPage.html(Self.run(hostile: "<img src=x onerror=alert(1)>\u{0}\u{1B}"), title: nil, message: nil)
        #expect(!page.contains("<img"))
        #expect(!page.contains("\u{0}"))
        #expect(!page.contains("\u{1B}"))
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;\u{2400}\u{241B}"))
    }

    static let simulation = """
        {"seeds": 2, "peers": 4, "live_peers": 4, "virtual_s": 9, "events": 100, "delivery": 1, "delivered_pairs": 8,
         "expected_pairs": 8, "duplicate_deliveries": 0,
         "coverage_latency_s": {"p50": 0.002, "p99": 0.003, "max": 0.003, "incomplete_messages": 0},
         "hops": {"mean": 1.2, "max": 2, "histogram": {"0": 2, "1": 4, "2": 2}},
         "messages_per_broadcast": 9, "dead_reports": 0, "false_dead_reports": 0, "false_drops": 0, "detection_s": [0.5, null],
         "overlay": {"degree_min": 2, "degree_p50": 2, "degree_mean": 2.5, "degree_max": 3, "degree_histogram": {"2": 2, "3": 2},
                     "components": 1, "diameter": 2, "diameter_exact": true},
         "trace_digest": "abc", "wall_s": 0.1, "peak_rss_bytes": 1, "command": "cluster simulate --peers 4",
         "coverage_curve_fractions": [0.5, 1],
         "broadcasts": [{"origin": "10.0.0.1:6000", "created_s": 2, "reached": 4, "coverage_curve_s": [0.001, 0.002]},
                        {"origin": "10.0.0.2:6000", "created_s": 2.1, "reached": 4, "coverage_curve_s": [0.002, 0.003]}],
         "graph": {"peers": ["10.0.0.1:6000", "10.0.0.2:6000", "10.0.0.10:6000", "10.0.0.3:6000"],
                   "edges": [[0, 1], [1, 2], [2, 3], [0, 3], [0, 2]],
                   "tree": {"broadcast": 0, "parent": [null, 0, 0, 2], "at_s": [0, 0.001, 0.001, 0.002]}}}
        """

    @Test func aSimulationPageDrawsCurvesHistogramsDetectionOverlayAndTree() throws {
        let json = try JSONReader.parse(Self.simulation)
        #expect(SimulationPage.accepts(json))
        #expect(!BenchPage.accepts(json))
        let page = SimulationPage.html(json, source: "sim.json", title: nil)
        #expect(count("<svg ", in: page) == 6)
        #expect(page.contains("Command: cluster simulate --peers 4"))
        #expect(page.contains("#2 from 10.0.0.2:6000"))
        #expect(page.contains("10.0.0.3:6000  2.0 ms (hop 2)"))
        #expect(page == SimulationPage.html(try JSONReader.parse(Self.simulation), source: "sim.json", title: nil))
    }

    @Test func aSimulationWithoutCurvesOrGraphSaysSoInsteadOfDrawing() throws {
        let old = try JSONReader.parse(
            """
            {"seeds": 1, "peers": 100000, "coverage_latency_s": {"p50": 0.007}, "trace_digest": "x", "detection_s": []}
            """)
        let page = SimulationPage.html(old, source: "old.json", title: nil)
        #expect(page.contains("no per-broadcast coverage curve"))
        #expect(page.contains("Not available from this JSON"))
        #expect(page.contains("No peer crashed"))
        #expect(count("<svg ", in: page) == 0)
    }

    static let targets = BenchPage.Targets(
        p99Ms: [10: 5, 100: 20], inPerSecond: 500_000, outPerSecond: 1_500_000, idleRSSBytes: 6_000_000, idleCPUMsPerSecond: 0.05,
        idleCPUMsPerSecondFastLiveness: 0.2, detectionLastSeconds: 4)

    static func bench(_ p99: Double) throws -> JSONValue {
        try JSONReader.parse(
            """
            {"command": "cluster bench --quick", "quick": true,
             "machine": {"cores": 2, "cpu": "EPYC", "kernel": "Linux", "build": "release", "date": "2026-11-21 21:36:31", "load_average": "0"},
             "dissemination": [{"peers": 10, "broadcasts": 5, "delivery": 1, "p50_ms": 0.8, "p99_ms": \(p99), "max_ms": 1}],
             "throughput": {"in_per_s": 655339, "out_per_s": 1966016},
             "detection": {"peers": 10, "liveness_interval_s": 1, "liveness_misses": 3, "first_s": [3.1], "last_s": [3.2],
                           "listed_by": [2], "false_removals": 0}}
            """)
    }

    @Test func aBenchPageShowsFiguresAgainstTargetsAndSaysWhatWasNotRun() throws {
        let page = BenchPage.html([("a.json", try Self.bench(1))], targets: Self.targets, title: nil)
        #expect(count("<svg ", in: page) == 3)
        #expect(page.contains("p99 target (at most)"))
        #expect(page.contains("Not measured: the footprint scenario"))
        #expect(count("class=\"target\"", in: page) == 1 + 2 + 1)
    }

    @Test func twoBenchFilesStandSideBySide() throws {
        let page = BenchPage.html(
            [("a.json", try Self.bench(1)), ("b.json", try Self.bench(2))], targets: Self.targets, title: nil)
        #expect(page.contains("<title>Benchmarks side by side: A and B</title>"))
        #expect(page.contains(">A p99</text>") && page.contains(">B p99</text>"))
        #expect(page.contains("A: a.json") && page.contains("B: b.json"))
    }
}
