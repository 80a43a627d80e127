import GossipReport

/// The report of a `cluster` run: timeline, delivery over time, one message's dissemination
/// tree, the overlay.
public enum RunPage {
    /// `message`: the text (or a prefix of it) of the message whose tree is drawn; nil: the
    /// first message created.
    public static func html(_ run: RunData, title: String?, message: String?) -> String {
        let peers = run.peerIndices
        let seeds = run.nodes.count - peers.count
        var subtitle = ["Logs: \(run.source)"]
        if let command = run.command { subtitle.append("Command: \(command)") }
        subtitle.append(
            "\(seeds) seeds, \(peers.count) peers, \(run.messages.count) messages, "
                + DecimalText.fixed(run.end, 1) + " s of logs")
        subtitle += run.notes
        let sections = [
            timeline(run), delivery(run), tree(run, message: message), overlay(run),
        ]
        return HTMLPage(
            title: title ?? "Cluster run: \(peers.count) peers, \(seeds) seeds", subtitle: subtitle, sections: sections
        ).html()
    }

    static func seconds(_ value: Double) -> String { DecimalText.fixed(value, 2) + " s" }
    static func ms(_ value: Double) -> String { DecimalText.fixed(value * 1000, 1) + " ms" }

    static func timeline(_ run: RunData) -> HTMLPage.Section {
        var counts: [Timeline.Kind: Int] = [:]
        for node in run.nodes { for mark in node.marks { counts[mark.kind, default: 0] += 1 } }
        let rows = run.nodes.map { Timeline.Row(name: ($0.isSeed ? "seed " : "") + $0.name, marks: $0.marks) }
        let chart = Timeline(
            id: "timeline", title: "Timeline of the run",
            description: "One row per node (seeds first, then peers by address), time since the run began on the x axis. "
                + "Marks: listening, registered, each link, registered again, removed by a seed as dead or as left.",
            xLabel: "time since the run began (s)", rows: rows, end: run.end)
        let peerRegistrations = run.peerIndices.compactMap { k in run.nodes[k].marks.first { $0.kind == .registered }?.at }
        var summary = [
            "Every node's life in the run: when it listened and registered, each link it made, and what the seeds logged about it. "
                + "Time 0 is when the seeds started listening."
        ]
        if let first = peerRegistrations.min(), let last = peerRegistrations.max() {
            summary.append("Peers registered between \(seconds(first)) and \(seconds(last)).")
        }
        let dead = run.nodes.filter { $0.state == .dead }.map(\.name)
        let left = run.nodes.filter { $0.state == .left }.map(\.name)
        summary.append(dead.isEmpty ? "No peer was removed as dead." : "Removed as dead: \(dead.joined(separator: ", ")).")
        if !left.isEmpty { summary.append("Left: \(left.joined(separator: ", ")).") }
        let table = HTMLPage.Table(
            caption: "Events in the logs", headers: ["event", "count"],
            rows: Timeline.Kind.allCases.map { [$0.name, "\(counts[$0] ?? 0)"] })
        return HTMLPage.Section(
            heading: "Timeline: joins, links, deaths, leaves", summary: summary, chart: chart.svg(), table: table)
    }

    /// Fraction of all (peer, message) pairs delivered, over time: each message counts for
    /// every peer but its origin.
    static func delivery(_ run: RunData) -> HTMLPage.Section {
        let peers = Set(run.peerIndices)
        let expected = run.messages.count * max(peers.count - 1, 0)
        var times: [Double] = []
        for message in run.messages {
            for receipt in message.receipts where receipt.node != message.origin && peers.contains(receipt.node) {
                times.append(receipt.at)
            }
        }
        times.sort()
        var points: [(x: Double, y: Double)] = [(0, 0)]
        for (k, time) in times.enumerated() { points.append((time, Double(k + 1) / Double(max(expected, 1)))) }
        points.append((run.end, Double(times.count) / Double(max(expected, 1))))
        let chart = LineChart(
            id: "delivery", title: "Delivery over time",
            description: "Fraction of the \(expected) (peer, message) pairs delivered, against time since the run began; "
                + "\(times.count) delivered by the end.",
            xLabel: "time since the run began (s)", yLabel: "fraction of (peer, message) pairs",
            series: [LineChart.Series(name: "delivered (first receipts)", points: points, stepped: true)], yRange: 0...1)
        var summary = [
            "Each message counts once for every peer but the one that created it: \(expected) pairs in all, "
                + "\(times.count) delivered ("
                + DecimalText.fixed(expected == 0 ? 100 : Double(times.count) * 100 / Double(expected), 1)
                + " %). The curve rises as messages are created and spread."
        ]
        for fraction in [0.5, 0.9, 1.0] where expected > 0 {
            let needed = Int((fraction * Double(expected)).rounded(.up))
            if needed >= 1, needed <= times.count {
                summary.append(
                    DecimalText.fixed(fraction * 100, 0) + " % of pairs delivered by " + seconds(times[needed - 1]) + ".")
            }
        }
        let rows = run.messages.prefix(40).map { message -> [String] in
            let got = message.receipts.filter { $0.node != message.origin && peers.contains($0.node) }
            let last = got.map(\.at).max().map { ms($0 - message.createdAt) } ?? "-"
            return [
                message.text, run.nodes[message.origin].name, seconds(message.createdAt),
                "\(got.count) of \(max(peers.count - 1, 0))", last,
            ]
        }
        var table = HTMLPage.Table(
            caption: "Messages", headers: ["message", "origin", "created at", "delivered to", "last receipt after"], rows: rows)
        if run.messages.count > 40 { table.rows.append(["… \(run.messages.count - 40) more", "", "", "", ""]) }
        return HTMLPage.Section(heading: "Delivery over time", summary: summary, chart: chart.svg(), table: table)
    }

    static func tree(_ run: RunData, message chosen: String?) -> HTMLPage.Section {
        let heading = "Dissemination tree of one message"
        let message: RunData.Message?
        if let chosen {
            message = run.messages.first { $0.text == chosen } ?? run.messages.first { $0.text.hasPrefix(chosen) }
        } else {
            message = run.messages.first
        }
        guard let message else {
            var summary = [
                chosen.map { "No message in these logs is \($0) (nor starts with it)." } ?? "No message was created in this run."
            ]
            if !run.messages.isEmpty {
                summary.append(
                    "Messages: " + run.messages.prefix(10).map(\.text).joined(separator: ", ")
                        + (run.messages.count > 10 ? ", …" : ""))
            }
            return HTMLPage.Section(heading: heading, summary: summary)
        }
        var index: [Int: Int] = [message.origin: 0]
        var nodes = [TreeChart.Node(name: run.nodes[message.origin].name, parent: nil, at: 0)]
        let receipts = message.receipts.filter { $0.node != message.origin }.sorted { ($0.at, $0.node) < ($1.at, $1.node) }
        for receipt in receipts {
            index[receipt.node] = nodes.count
            nodes.append(
                TreeChart.Node(name: run.nodes[receipt.node].name, parent: nil, at: (receipt.at - message.createdAt) * 1000))
        }
        for (k, receipt) in receipts.enumerated() {
            nodes[k + 1].parent = receipt.from.flatMap { index[$0] }
        }
        let chart = TreeChart(
            id: "tree", title: "Dissemination tree of \(message.text)",
            description:
                "The origin \(run.nodes[message.origin].name) at the left; each of the \(receipts.count) peers that got the message "
                + "at the time of its first receipt, joined to the neighbour it first got it from.",
            xLabel: "time since the message was created (ms)", unit: "ms", nodes: nodes)
        let (_, depth) = chart.order()
        var hops: [Int: Int] = [:]
        for d in depth.dropFirst() { hops[d, default: 0] += 1 }
        let missing = run.peerIndices.filter { $0 != message.origin && index[$0] == nil }.map { run.nodes[$0].name }
        var summary = [
            "Message \(message.text), created by \(run.nodes[message.origin].name) at \(seconds(message.createdAt)); "
                + "reached \(receipts.count) peers, the last after \(receipts.last.map { ms($0.at - message.createdAt) } ?? "-"), "
                + "at most \(depth.max() ?? 0) hops from its origin. Each peer's first receipt names the neighbour it came from."
        ]
        if !missing.isEmpty { summary.append("Never received by: \(missing.joined(separator: ", ")).") }
        if chosen == nil && run.messages.count > 1 {
            summary.append("The first message created; choose another with --message TEXT.")
        }
        let table = HTMLPage.Table(
            caption: "Peers by hops from the origin", headers: ["hops", "peers"],
            rows: hops.keys.sorted().map { ["\($0)", "\(hops[$0]!)"] })
        return HTMLPage.Section(heading: heading, summary: summary, chart: chart.svg(), table: table)
    }

    static func overlay(_ run: RunData) -> HTMLPage.Section {
        let peers = run.peerIndices
        var position: [Int: Int] = [:]
        for (k, peer) in peers.enumerated() { position[peer] = k }
        var seen: Set<[Int]> = []
        var edges: [(Int, Int)] = []
        for (a, b) in run.links {
            guard let p = position[a], let q = position[b], p != q, seen.insert([min(p, q), max(p, q)]).inserted else { continue }
            edges.append((min(p, q), max(p, q)))
        }
        let nodes = peers.map { OverlayChart.Node(name: run.nodes[$0].name, state: run.nodes[$0].state) }
        let chart = OverlayChart(
            id: "overlay", title: "Overlay: links between peers",
            description: "\(nodes.count) peers on a circle in address order, a line for each of the \(edges.count) links "
                + "made in the run (from the peers' linked events); dead peers crossed out.",
            nodes: nodes, edges: edges)
        var degree = [Int](repeating: 0, count: nodes.count)
        for (a, b) in edges {
            degree[a] += 1
            degree[b] += 1
        }
        var histogram: [Int: Int] = [:]
        for d in degree { histogram[d, default: 0] += 1 }
        let mean = degree.isEmpty ? 0 : Double(degree.reduce(0, +)) / Double(degree.count)
        let summary = [
            "\(nodes.count) peers and \(edges.count) links, each link counted once whichever end made it. A link that broke "
                + "stays drawn: these are the links made during the run.",
            "Links per peer: min \(degree.min() ?? 0), mean " + DecimalText.fixed(mean, 2) + ", max \(degree.max() ?? 0).",
        ]
        let table = HTMLPage.Table(
            caption: "Peers by number of links", headers: ["links", "peers"],
            rows: histogram.keys.sorted().map { ["\($0)", "\(histogram[$0]!)"] })
        return HTMLPage.Section(heading: "Overlay", summary: summary, chart: chart.svg(), table: table)
    }
}
