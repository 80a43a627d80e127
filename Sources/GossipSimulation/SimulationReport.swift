import GossipCore
import GossipReport

/// The figures of one simulated run.
public struct SimulationReport: Sendable {
    public var seeds: Int
    public var peers: Int
    public var livePeers: Int
    public var virtualSeconds: Double
    public var events: Int
    public var traceDigest: String

    /// Fraction of (broadcast message, live peer) pairs delivered.
    public var delivery: Double
    public var deliveredPairs: Int
    public var expectedPairs: Int
    /// Virtual seconds from creation until the last live peer had it, per fully covered message.
    public var coverageLatencies: [Double]
    public var incompleteMessages: Int
    /// Times a peer delivered a message it already had (flooding must deliver exactly once).
    public var duplicateDeliveries: Int
    public var meanHops: Double
    public var maxHops: Int
    /// Copies sent per broadcast (amplification), mean over broadcasts.
    public var messagesPerBroadcast: Double
    /// Pairs of (reporter, peer) where the peer was alive when reported dead.
    public var falseDeadReports: Int
    public var deadReports: Int
    /// Times a seed dropped a live peer as dead.
    public var falseDrops: Int
    /// Per crash: seconds until the last seed that listed the peer dropped it (nil: not yet).
    public var detection: [Double?]
    public var crashesListedByNoSeed: Int
    public var degree: Overlay.DegreeSummary
    public var components: Int
    public var diameter: Int
    public var diameterIsExact: Bool

    /// Filled in by the caller, who measures the run from outside.
    public var wallSeconds = 0.0
    public var peakRSSBytes = 0
    /// The command line, filled in by the caller (for the report's title).
    public var command = ""

    /// One broadcast's spread, for `cluster report`'s coverage curves.
    public struct Broadcast: Sendable {
        public var origin: String
        public var createdSeconds: Double
        /// Live peers (origin included) that had it at the end.
        public var reached: Int
        /// Seconds after creation at which each of `curveFractions` of the live peers had it
        /// (nil: that share never did).
        public var curve: [Double?]
    }
    public static let curveFractions = (1...20).map { Double($0) / 20 }
    public var broadcasts: [Broadcast] = []
    /// Deliveries to live peers by hop count (the origin's own copy is hop 0).
    public var hopHistogram: [Int: Int] = [:]

    /// The overlay's links and the first broadcast's tree, for networks of at most
    /// `Metrics.graphLimit` peers: positions index `peers` (the live peers' addresses).
    public struct Graph: Sendable {
        public var peers: [String]
        public var edges: [(Int, Int)]
        /// For each peer, the position of the peer it first got broadcast 0 from (nil: the
        /// origin, or never got it); and when, seconds after creation.
        public var treeParent: [Int?]
        public var treeAt: [Double?]
    }
    public var graph: Graph?

    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    public var coverageP50: Double? { Self.percentile(coverageLatencies, 50) }
    public var coverageP99: Double? { Self.percentile(coverageLatencies, 99) }
    public var coverageMax: Double? { coverageLatencies.max() }

    /// The human-readable table.
    public func table() -> String {
        func ms(_ seconds: Double?) -> String {
            guard let seconds else { return "-" }
            return DecimalText.fixed(seconds * 1000, 1) + " ms"
        }
        var rows: [(String, String)] = [
            ("nodes", "\(seeds) seeds, \(peers) peers (\(livePeers) live at the end)"),
            ("virtual time", DecimalText.fixed(virtualSeconds, 1) + " s, \(events) events"),
            (
                "delivery",
                DecimalText.fixed(delivery * 100, 3) + " % (\(deliveredPairs) of \(expectedPairs) message-peer pairs, "
                    + "\(duplicateDeliveries) delivered twice)"
            ),
            (
                "coverage latency",
                "p50 \(ms(coverageP50)), p99 \(ms(coverageP99)), max \(ms(coverageMax))"
                    + (incompleteMessages > 0 ? " (\(incompleteMessages) messages not fully covered)" : "")
            ),
            ("hops", "mean " + DecimalText.fixed(meanHops, 2) + ", max \(maxHops)"),
            ("copies per broadcast", DecimalText.fixed(messagesPerBroadcast, 1)),
            ("dead reports", "\(deadReports) (\(falseDeadReports) about live peers)"),
            ("live peers dropped", "\(falseDrops)"),
        ]
        if !detection.isEmpty {
            let known = detection.compactMap { $0 }
            let summary =
                known.isEmpty
                ? "none detected"
                : "min " + DecimalText.fixed(known.min()!, 2) + " s, max " + DecimalText.fixed(known.max()!, 2) + " s"
            rows.append(
                (
                    "crash detection",
                    "\(detection.count) crashes: \(summary); \(detection.count - known.count) not dropped by all seeds"
                ))
        }
        rows.append(
            (
                "overlay degree",
                "min \(degree.min), p50 \(degree.p50), mean " + DecimalText.fixed(degree.mean, 2) + ", max \(degree.max)"
            ))
        rows.append(
            (
                "overlay",
                "\(components) component\(components == 1 ? "" : "s"), diameter \(diameterIsExact ? "" : ">= ")\(diameter)"
            ))
        rows.append(("trace digest", traceDigest))
        rows.append(("wall time", DecimalText.fixed(wallSeconds, 2) + " s"))
        rows.append(("peak memory", "\(peakRSSBytes / 1_048_576) MiB"))
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(separator: "\n")
    }

    /// The report as JSON (keys documented in the README).
    public func json() -> String {
        let histogram = degree.histogram.sorted { $0.key < $1.key }.map { ("\($0.key)", JSONValue.integer($0.value)) }
        var pairs: [(String, JSONValue)] = [
            ("seeds", .integer(seeds)),
            ("peers", .integer(peers)),
            ("live_peers", .integer(livePeers)),
            ("virtual_s", .number(virtualSeconds)),
            ("events", .integer(events)),
            ("delivery", .number(delivery)),
            ("delivered_pairs", .integer(deliveredPairs)),
            ("expected_pairs", .integer(expectedPairs)),
            ("duplicate_deliveries", .integer(duplicateDeliveries)),
            (
                "coverage_latency_s",
                .object([
                    ("p50", .optional(coverageP50)), ("p99", .optional(coverageP99)), ("max", .optional(coverageMax)),
                    ("incomplete_messages", .integer(incompleteMessages)),
                ])
            ),
            (
                "hops",
                .object([
                    ("mean", .number(meanHops)), ("max", .integer(maxHops)),
                    ("histogram", .object(hopHistogram.sorted { $0.key < $1.key }.map { ("\($0.key)", .integer($0.value)) })),
                ])
            ),
            ("messages_per_broadcast", .number(messagesPerBroadcast)),
            ("dead_reports", .integer(deadReports)),
            ("false_dead_reports", .integer(falseDeadReports)),
            ("false_drops", .integer(falseDrops)),
            ("detection_s", .array(detection.map { JSONValue.optional($0) })),
            (
                "overlay",
                .object([
                    ("degree_min", .integer(degree.min)), ("degree_p50", .integer(degree.p50)),
                    ("degree_mean", .number(degree.mean)), ("degree_max", .integer(degree.max)),
                    ("degree_histogram", .object(histogram)), ("components", .integer(components)),
                    ("diameter", .integer(diameter)), ("diameter_exact", .bool(diameterIsExact)),
                ])
            ),
            ("trace_digest", .string(traceDigest)),
            ("wall_s", .number(wallSeconds)),
            ("peak_rss_bytes", .integer(peakRSSBytes)),
            ("command", .string(command)),
            ("coverage_curve_fractions", .array(Self.curveFractions.map { .number($0) })),
            (
                "broadcasts",
                .array(
                    broadcasts.map { b in
                        .object([
                            ("origin", .string(b.origin)), ("created_s", .number(b.createdSeconds)),
                            ("reached", .integer(b.reached)),
                            ("coverage_curve_s", .array(b.curve.map { JSONValue.optional($0) })),
                        ])
                    })
            ),
        ]
        if let graph {
            pairs.append(
                (
                    "graph",
                    .object([
                        ("peers", .array(graph.peers.map { .string($0) })),
                        ("edges", .array(graph.edges.map { .array([.integer($0.0), .integer($0.1)]) })),
                        (
                            "tree",
                            .object([
                                ("broadcast", .integer(0)), ("parent", .array(graph.treeParent.map { JSONValue.optional($0) })),
                                ("at_s", .array(graph.treeAt.map { JSONValue.optional($0) })),
                            ])
                        ),
                    ])
                ))
        }
        return JSONValue.object(pairs).text()
    }
}

extension Simulation {
    func report() -> SimulationReport {
        let live = (0..<settings.peers).filter { alive[seedCount + $0] }
        var delivered = 0
        var expected = 0
        var latencies: [Double] = []
        var incomplete = 0
        var hopSum = 0
        var hopCount = 0
        var maxHops = 0
        for message in metrics.messages {
            var got = 0
            var last = message.createdAt
            _ = last
            for peer in live {
                let hop = message.hops[peer]
                if hop != 255 {
                    got += 1
                    hopSum += Int(hop)
                    hopCount += 1
                    maxHops = max(maxHops, Int(hop))
                }
            }
            delivered += got
            expected += live.count
            if got == live.count {
                last = message.lastArrival
                latencies.append(Double(last - message.createdAt) / 1e9)
            } else {
                incomplete += 1
            }
        }
        let overlay = Overlay(simulation: self, live: live)
        let diameter = overlay.diameter(random: &scriptRandom)
        var report = SimulationReport(
            seeds: seedCount, peers: settings.peers, livePeers: live.count, virtualSeconds: Double(now) / 1e9,
            events: eventCount, traceDigest: digest.hex,
            delivery: expected == 0 ? 1 : Double(delivered) / Double(expected), deliveredPairs: delivered,
            expectedPairs: expected, coverageLatencies: latencies, incompleteMessages: incomplete,
            duplicateDeliveries: metrics.duplicateDeliveries,
            meanHops: hopCount == 0 ? 0 : Double(hopSum) / Double(hopCount), maxHops: maxHops,
            messagesPerBroadcast: metrics.messages.isEmpty
                ? 0 : Double(metrics.messages.reduce(0) { $0 + $1.sends }) / Double(metrics.messages.count),
            falseDeadReports: metrics.falseDeadReports, deadReports: metrics.deadReports, falseDrops: metrics.falseDrops,
            detection: metrics.crashes.filter { $0.listedBy > 0 }.map { crash in
                crash.lastDrop.map { Double($0 - crash.at) / 1e9 }
            },
            crashesListedByNoSeed: metrics.crashes.count { $0.listedBy == 0 },
            degree: overlay.degrees(), components: overlay.componentCount(), diameter: diameter.value,
            diameterIsExact: diameter.exact)
        addPictures(to: &report, live: live, overlay: overlay)
        return report
    }

    /// What `cluster report` draws: each broadcast's coverage curve, the hop histogram, and
    /// for small networks the overlay's links and the first broadcast's tree. Read from the
    /// metrics after the run, so it changes nothing in it.
    private func addPictures(to report: inout SimulationReport, live: [Int], overlay: Overlay) {
        for message in metrics.messages {
            var times = live.compactMap { peer -> Int64? in
                let at = message.arrivedAt[peer]
                return at < 0 ? nil : at - message.createdAt
            }
            times.sort()
            for peer in live where message.hops[peer] != 255 { report.hopHistogram[Int(message.hops[peer]), default: 0] += 1 }
            let curve = SimulationReport.curveFractions.map { fraction -> Double? in
                let needed = Int((fraction * Double(live.count)).rounded(.up))
                guard needed >= 1, needed <= times.count else { return needed < 1 ? 0 : nil }
                return Double(times[needed - 1]) / 1e9
            }
            report.broadcasts.append(
                .init(
                    origin: addresses[seedCount + message.origin].description, createdSeconds: Double(message.createdAt) / 1e9,
                    reached: times.count, curve: curve))
        }
        guard live.count <= Metrics.graphLimit else { return }
        var position = [Int](repeating: -1, count: settings.peers)
        for (k, peer) in live.enumerated() { position[peer] = k }
        var edges: [(Int, Int)] = []
        for (k, neighbours) in overlay.adjacency.enumerated() {
            for other in neighbours where Int(other) > k { edges.append((k, Int(other))) }
        }
        var parent = [Int?](repeating: nil, count: live.count)
        var at = [Double?](repeating: nil, count: live.count)
        if let first = metrics.messages.first, !first.from.isEmpty {
            for (k, peer) in live.enumerated() where first.arrivedAt[peer] >= 0 {
                at[k] = Double(first.arrivedAt[peer] - first.createdAt) / 1e9
                let sender = Int(first.from[peer])
                if peer != first.origin, sender >= 0, sender < position.count, position[sender] >= 0 {
                    parent[k] = position[sender]
                }
            }
        }
        report.graph = .init(
            peers: live.map { addresses[seedCount + $0].description }, edges: edges, treeParent: parent, treeAt: at)
    }
}
