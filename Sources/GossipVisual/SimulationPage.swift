import GossipReport

/// The report of a `cluster simulate --json` file: coverage of each broadcast over time,
/// hops and degrees, crash detection, and for small networks the overlay and one tree.
public enum SimulationPage {
    /// True when the JSON has the keys cluster simulate writes.
    public static func accepts(_ json: JSONValue) -> Bool {
        json["coverage_latency_s"] != nil && json["trace_digest"] != nil
    }

    public static func html(_ json: JSONValue, source: String, title: String?) -> String {
        let seeds = json["seeds"]?.int ?? 0
        let peers = json["peers"]?.int ?? 0
        let broadcasts = json["broadcasts"]?.array
        var subtitle = ["JSON: \(source)"]
        if let command = json["command"]?.string, !command.isEmpty { subtitle.append("Command: \(command)") }
        subtitle.append(
            "\(seeds) seeds, \(peers) peers (\(json["live_peers"]?.int ?? 0) live at the end), "
                + DecimalText.fixed(json["virtual_s"]?.double ?? 0, 1) + " s of virtual time, trace digest "
                + (json["trace_digest"]?.string ?? "-"))
        let sections =
            [
                figures(json), coverage(json, broadcasts), histogram(json, key: "hops"), histogram(json, key: "degree"),
                detection(json),
            ] + graph(json)
        let name = title ?? "Simulation: \(peers) peers, \(seeds) seeds, \(broadcasts?.count ?? 0) broadcasts"
        return HTMLPage(title: name, subtitle: subtitle, sections: sections).html()
    }

    static func ms(_ seconds: Double?) -> String { seconds.map { DecimalText.fixed($0 * 1000, 1) + " ms" } ?? "-" }

    static func figures(_ json: JSONValue) -> HTMLPage.Section {
        let latency = json["coverage_latency_s"]
        let overlay = json["overlay"]
        let rows: [[String]] = [
            [
                "delivery",
                DecimalText.fixed((json["delivery"]?.double ?? 0) * 100, 3) + " % (\(json["delivered_pairs"]?.int ?? 0) of "
                    + "\(json["expected_pairs"]?.int ?? 0) pairs)",
            ],
            ["delivered twice", "\(json["duplicate_deliveries"]?.int ?? 0)"],
            [
                "coverage latency",
                "p50 \(ms(latency?["p50"]?.double)), p99 \(ms(latency?["p99"]?.double)), max \(ms(latency?["max"]?.double))",
            ],
            ["messages not fully covered", "\(latency?["incomplete_messages"]?.int ?? 0)"],
            [
                "hops",
                "mean " + DecimalText.fixed(json["hops"]?["mean"]?.double ?? 0, 2) + ", max \(json["hops"]?["max"]?.int ?? 0)",
            ],
            ["copies per broadcast", DecimalText.fixed(json["messages_per_broadcast"]?.double ?? 0, 1)],
            ["dead reports", "\(json["dead_reports"]?.int ?? 0) (\(json["false_dead_reports"]?.int ?? 0) about live peers)"],
            [
                "overlay",
                "\(overlay?["components"]?.int ?? 0) component(s), diameter \(overlay?["diameter"]?.int ?? 0), degree min "
                    + "\(overlay?["degree_min"]?.int ?? 0), mean " + DecimalText.fixed(overlay?["degree_mean"]?.double ?? 0, 2)
                    + ", max \(overlay?["degree_max"]?.int ?? 0)",
            ],
            ["events", DecimalText.grouped(json["events"]?.int ?? 0)],
        ]
        return HTMLPage.Section(
            heading: "Figures",
            summary: ["The simulator's summary, as cluster simulate printed it. Times are virtual: the network is modelled."],
            table: HTMLPage.Table(caption: "Summary", headers: ["figure", "value"], rows: rows))
    }

    static func coverage(_ json: JSONValue, _ broadcasts: [JSONValue]?) -> HTMLPage.Section {
        let heading = "Coverage over time, per broadcast"
        guard let broadcasts, let fractions = json["coverage_curve_fractions"]?.array?.compactMap(\.double) else {
            return HTMLPage.Section(
                heading: heading,
                summary: [
                    "This JSON has no per-broadcast coverage curve (it was written by an older cluster simulate); "
                        + "only the coverage latency percentiles in the figures above."
                ])
        }
        var series: [LineChart.Series] = []
        var rows: [[String]] = []
        for (k, broadcast) in broadcasts.enumerated() {
            let curve = broadcast["coverage_curve_s"]?.array ?? []
            var points: [(x: Double, y: Double)] = [(0, 0)]
            for (fraction, time) in zip(fractions, curve) {
                guard let seconds = time.double else { break }
                points.append((seconds * 1000, fraction))
            }
            let origin = broadcast["origin"]?.string ?? "?"
            series.append(LineChart.Series(name: "#\(k + 1) from \(origin)", points: points))
            let last = curve.last?.double
            rows.append([
                "#\(k + 1)", origin, DecimalText.fixed(broadcast["created_s"]?.double ?? 0, 3) + " s",
                "\(broadcast["reached"]?.int ?? 0)", last.map { ms($0) } ?? "not all",
            ])
        }
        let chart = LineChart(
            id: "coverage", title: "Coverage of each broadcast over time",
            description:
                "For each of the \(broadcasts.count) broadcasts, the fraction of live peers that had it against the virtual "
                + "milliseconds since it was created (in steps of 5 % of the peers).",
            xLabel: "time since the broadcast was created (ms, virtual)", yLabel: "fraction of live peers that have it",
            series: series, yRange: 0...1)
        return HTMLPage.Section(
            heading: heading,
            summary: [
                "Each line is one broadcast: how fast it covered the network. A line that stops below 1 never reached every live peer."
            ], chart: chart.svg(),
            table: HTMLPage.Table(
                caption: "Broadcasts", headers: ["", "origin", "created at", "peers reached", "full coverage after"], rows: rows))
    }

    static func histogram(_ json: JSONValue, key: String) -> HTMLPage.Section {
        let isHops = key == "hops"
        let heading = isHops ? "Hops per delivery" : "Overlay degree"
        let pairs = (isHops ? json["hops"]?["histogram"] : json["overlay"]?["degree_histogram"])?.pairs
        guard let pairs else {
            return HTMLPage.Section(heading: heading, summary: ["This JSON has no \(isHops ? "hop" : "degree") histogram."])
        }
        var counts: [Int: Int] = [:]
        for (label, value) in pairs { if let k = Int(label) { counts[k] = value.int ?? 0 } }
        let top = counts.keys.max() ?? 0
        let bins = (0...top).map { (label: "\($0)", count: counts[$0] ?? 0) }
        let total = counts.values.reduce(0, +)
        let chart = Histogram(
            id: isHops ? "hops" : "degree", title: heading,
            description: isHops
                ? "How many (broadcast, live peer) deliveries came after each number of hops from the origin; \(total) in all."
                : "How many live peers have each number of links in the final overlay; \(total) peers.",
            xLabel: isHops ? "hops from the origin (0: the origin itself)" : "links of a peer (degree)",
            yLabel: isHops ? "deliveries" : "peers", bins: bins)
        let summary =
            isHops
            ? ["A message's first copy at each peer carries its hop count; the origin's own copy is hop 0."]
            : ["Each peer links to a few others itself and accepts links from others: the degree counts both."]
        return HTMLPage.Section(
            heading: heading, summary: summary, chart: chart.svg(),
            table: HTMLPage.Table(
                caption: heading, headers: [isHops ? "hops" : "degree", isHops ? "deliveries" : "peers"],
                rows: bins.filter { $0.count > 0 }.map { [$0.label, "\($0.count)"] }))
    }

    static func detection(_ json: JSONValue) -> HTMLPage.Section {
        let times = json["detection_s"]?.array ?? []
        guard !times.isEmpty else {
            return HTMLPage.Section(
                heading: "Crash detection", summary: ["No peer crashed in this run (no --crash), so there is nothing to detect."])
        }
        let chart = BarChart(
            id: "detection", title: "Crash detection",
            description:
                "For each of the \(times.count) crashed peers, virtual seconds until the last seed that listed it dropped it.",
            xLabel: "crashed peer", yLabel: "time until dropped (s)", seriesNames: ["time to detection"],
            groups: times.enumerated().map { BarChart.Group(label: "#\($0.offset + 1)", values: [$0.element.double]) })
        var chartWithDecimals = chart
        chartWithDecimals.decimals = 3
        let undetected = times.filter { $0.double == nil }.count
        return HTMLPage.Section(
            heading: "Crash detection",
            summary: [
                "Seconds from each crash until the last seed that listed the peer had dropped it (n/a: not dropped by the end)."
                    + (undetected > 0 ? " \(undetected) not dropped by every seed." : "")
            ], chart: chartWithDecimals.svg())
    }

    static func graph(_ json: JSONValue) -> [HTMLPage.Section] {
        guard let graph = json["graph"], let peers = graph["peers"]?.array?.map({ $0.string ?? "?" }) else {
            return [
                HTMLPage.Section(
                    heading: "Overlay and dissemination tree",
                    summary: [
                        "Not available from this JSON: cluster simulate writes the overlay's links and the first broadcast's "
                            + "tree only for networks of at most 500 live peers (and older versions never did)."
                    ])
            ]
        }
        let edges = (graph["edges"]?.array ?? []).compactMap { edge -> (Int, Int)? in
            guard let pair = edge.array, pair.count == 2, let a = pair[0].int, let b = pair[1].int else { return nil }
            return (a, b)
        }
        // Sort around the circle by address, as for a run's overlay.
        let order = peers.indices.sorted { AddressOrder.less(peers[$0], peers[$1]) }
        var position = [Int](repeating: 0, count: peers.count)
        for (k, index) in order.enumerated() { position[index] = k }
        let overlay = OverlayChart(
            id: "overlay", title: "Overlay at the end of the simulation",
            description: "\(peers.count) live peers on a circle in address order, a line for each of their \(edges.count) links.",
            nodes: order.map { OverlayChart.Node(name: peers[$0], state: .live) },
            edges: edges.filter { $0.0 < peers.count && $0.1 < peers.count }.map { (position[$0.0], position[$0.1]) })
        var sections = [
            HTMLPage.Section(
                heading: "Overlay", summary: ["The links between live peers when the simulation ended (crashed peers are gone)."],
                chart: overlay.svg())
        ]
        let parents = graph["tree"]?["parent"]?.array ?? []
        let times = graph["tree"]?["at_s"]?.array ?? []
        let reached = peers.indices.filter { $0 < times.count && times[$0].double != nil }
        guard !reached.isEmpty else {
            sections.append(HTMLPage.Section(heading: "Dissemination tree", summary: ["No broadcast in this run, so no tree."]))
            return sections
        }
        var index: [Int: Int] = [:]
        for (k, peer) in reached.enumerated() { index[peer] = k }
        let nodes = reached.map { peer in
            TreeChart.Node(
                name: peers[peer], parent: (peer < parents.count ? parents[peer].int : nil).flatMap { index[$0] },
                at: (times[peer].double ?? 0) * 1000)
        }
        let tree = TreeChart(
            id: "tree", title: "Dissemination tree of the first broadcast",
            description:
                "The first broadcast from its origin to the \(nodes.count - 1) other live peers that got it, each joined to the "
                + "peer it first got it from, at the virtual time it got it.",
            xLabel: "time since the broadcast was created (ms, virtual)", unit: "ms", nodes: nodes)
        sections.append(
            HTMLPage.Section(
                heading: "Dissemination tree of the first broadcast",
                summary: [
                    "Who first got the first broadcast from whom, and when (virtual time). Reached \(nodes.count) of \(peers.count) live peers."
                ],
                chart: tree.svg()))
        return sections
    }
}

/// Addresses in a natural order: `10.0.0.9:6000` before `10.0.0.10:6000` (numbers compared
/// as numbers), so a circle of peers reads in order.
public enum AddressOrder {
    public static func less(_ a: String, _ b: String) -> Bool {
        let x = parts(a)
        let y = parts(b)
        for (p, q) in zip(x, y) where p != q {
            switch (p, q) {
            case (.number(let m), .number(let n)): return m < n
            case (.text(let s), .text(let t)): return s < t
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
        return x.count < y.count
    }

    enum Part: Equatable {
        case number(Int)
        case text(String)
    }

    static func parts(_ text: String) -> [Part] {
        var parts: [Part] = []
        var digits = ""
        var other = ""
        for character in text {
            if character.isASCII, character.isNumber {
                if !other.isEmpty { parts.append(.text(other)); other = "" }
                digits.append(character)
            } else {
                if !digits.isEmpty { parts.append(.number(Int(digits.prefix(18)) ?? 0)); digits = "" }
                other.append(character)
            }
        }
        if !digits.isEmpty { parts.append(.number(Int(digits.prefix(18)) ?? 0)) }
        if !other.isEmpty { parts.append(.text(other)) }
        return parts
    }
}
