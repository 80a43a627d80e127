import Foundation
import Testing

/// `cluster bench`: it runs, and its JSON has every figure, of the right kind. Never its speeds:
/// the targets belong to the benchmark's table, not to timed tests.
extension ProcessTests {
    @Suite struct BenchTests {
        @Test func theQuickBenchRunsEveryScenarioAndWritesEveryFigure() throws {
            try withNetwork { net in
                let bench = try net.launch("cluster", ["bench", "--quick", "--json", "bench.json"])
                #expect(try net.awaitExit(bench, timeout: 180) == 0, "\(bench.console)")
                let console = bench.console
                for heading in ["dissemination (", "throughput (", "kill flood (", "footprint (", "detection (", "targets met: "] {
                    #expect(console.contains(heading), "the table lacks \(heading): \(console)")
                }
                // Its temporary directory is gone.
                let workLine = try #require(console.split(separator: "\n").first { $0.hasPrefix("bench: working in ") })
                let workDirectory = String(workLine.dropFirst("bench: working in ".count))
                #expect(workDirectory.hasPrefix("/tmp/"))
                #expect(!FileManager.default.fileExists(atPath: workDirectory))

                let data = try Data(contentsOf: net.directory.appendingPathComponent("bench.json"))
                let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                #expect((json["command"] as? String)?.contains("bench --quick") == true)
                let machine = try #require(json["machine"] as? [String: Any])
                #expect(try number(machine["cores"]) >= 1)
                #expect((machine["kernel"] as? String)?.isEmpty == false)

                let dissemination = try #require(json["dissemination"] as? [[String: Any]])
                #expect(!dissemination.isEmpty)
                for row in dissemination {
                    #expect(try number(row["peers"]) >= 2)
                    #expect((0...1).contains(try number(row["delivery"])))
                    let (p50, p99, max) = (try number(row["p50_ms"]), try number(row["p99_ms"]), try number(row["max_ms"]))
                    #expect(0 <= p50 && p50 <= p99 && p99 <= max)
                    #expect(try number(row["messages_per_broadcast"]) >= 0)
                }

                let throughput = try #require(json["throughput"] as? [String: Any])
                for key in ["in_per_s", "out_per_s", "cpu_s_per_million"] { #expect(try number(throughput[key]) >= 0, "\(key)") }
                #expect(try number(throughput["peak_rss_bytes"]) > 0)

                // The kill flood's two kills: something forwarded each time, and all of it logged.
                let killFlood = try #require(json["killflood"] as? [String: Any])
                #expect(try number(killFlood["kills"]) == 2)
                #expect(try number(killFlood["forwarded"]) > 0)
                #expect(try number(killFlood["missing"]) == 0, "\(killFlood)")

                let footprint = try #require(json["footprint"] as? [String: Any])
                for node in ["peer", "seed"] {
                    let figures = try #require(footprint[node] as? [String: Any], "footprint lacks \(node)")
                    #expect(try number(figures["rss_bytes"]) > 0)
                    for key in ["cpu_ms_per_s", "cpu_ms_per_s_fast_liveness", "startup_ms"] {
                        #expect(try number(figures[key]) >= 0, "\(node) \(key)")
                    }
                }

                let detection = try #require(json["detection"] as? [String: Any])
                let first = try #require(detection["first_s"] as? [Any])
                let last = try #require(detection["last_s"] as? [Any])
                #expect(first.count == last.count)
                let times = last.compactMap { $0 as? Double }
                #expect(!times.isEmpty, "no detection time: \(last)")
                #expect(times.allSatisfy { $0 >= 0 })
            }
        }

        @Test func anUnknownScenarioIsOneLineAndExitTwo() throws {
            try withNetwork { net in
                let bench = try net.launch("cluster", ["bench", "dissemination", "gossipping"])
                #expect(try net.awaitExit(bench) == 2)
                let lines = bench.console.split(separator: "\n")
                #expect(lines.count == 1, "\(bench.console)")
                #expect(bench.console.hasPrefix("cluster bench: unknown scenario 'gossipping'"))
            }
        }

        /// A JSON number (JSONSerialization gives integers and decimals alike as NSNumber).
        func number(_ value: Any?) throws -> Double {
            try #require(value as? Double, "not a number: \(String(describing: value))")
        }
    }
}
