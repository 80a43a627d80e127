import GossipReport

/// The report of one or two `cluster bench --json` files: each figure beside its target, and
/// with two files, the two side by side (one bar colour each).
public enum BenchPage {
    /// The bench's targets (the `cluster` program passes its own, so they are written once).
    public struct Targets: Sendable {
        public var p99Ms: [Int: Double]
        public var inPerSecond: Double
        public var outPerSecond: Double
        public var idleRSSBytes: Int
        public var idleCPUMsPerSecond: Double
        public var idleCPUMsPerSecondFastLiveness: Double
        public var detectionLastSeconds: Double
        public init(
            p99Ms: [Int: Double], inPerSecond: Double, outPerSecond: Double, idleRSSBytes: Int, idleCPUMsPerSecond: Double,
            idleCPUMsPerSecondFastLiveness: Double, detectionLastSeconds: Double
        ) {
            self.p99Ms = p99Ms
            self.inPerSecond = inPerSecond
            self.outPerSecond = outPerSecond
            self.idleRSSBytes = idleRSSBytes
            self.idleCPUMsPerSecond = idleCPUMsPerSecond
            self.idleCPUMsPerSecondFastLiveness = idleCPUMsPerSecondFastLiveness
            self.detectionLastSeconds = detectionLastSeconds
        }
    }

    /// True when the JSON has the keys `cluster bench` writes.
    public static func accepts(_ json: JSONValue) -> Bool { json["machine"] != nil && json["quick"] != nil }

    public static func html(_ files: [(name: String, json: JSONValue)], targets: Targets, title: String?) -> String {
        var subtitle: [String] = []
        for (k, file) in files.enumerated() {
            let machine = file.json["machine"]
            let label = files.count > 1 ? "\(letter(k)): " : ""
            subtitle.append("\(label)\(file.name): \(file.json["command"]?.string ?? "cluster bench")")
            subtitle.append(
                "\(label)measured \(machine?["date"]?.string ?? "?") on \(machine?["cores"]?.int ?? 0) cores "
                    + "(\(machine?["cpu"]?.string ?? "?")), \(machine?["kernel"]?.string ?? "?"), \(machine?["build"]?.string ?? "?") build"
                    + (file.json["quick"]?.bool == true ? ", --quick" : ""))
        }
        let sections =
            [dissemination(files, targets), throughput(files, targets), footprint(files, targets), detection(files, targets)]
            + failures(files)
        let name = title ?? (files.count > 1 ? "Benchmarks side by side: A and B" : "Benchmark")
        return HTMLPage(title: name, subtitle: subtitle, sections: sections).html()
    }

    static func letter(_ k: Int) -> String { k < 26 ? String(UnicodeScalar(UInt8(65 + k))) : "#\(k + 1)" }
    static func names(_ files: [(name: String, json: JSONValue)], _ what: String) -> [String] {
        files.count == 1 ? [what] : files.indices.map { "\(letter($0)) \(what)" }
    }
    static func fixed(_ value: Double?, _ places: Int, _ unit: String) -> String {
        value.map { DecimalText.fixed($0, places, grouped: true) + unit } ?? "-"
    }

    static func missing(_ heading: String, _ key: String) -> HTMLPage.Section {
        HTMLPage.Section(heading: heading, summary: ["Not measured: the \(key) scenario was not run (or failed) in these files."])
    }

    static func dissemination(_ files: [(name: String, json: JSONValue)], _ targets: Targets) -> HTMLPage.Section {
        let heading = "Dissemination: coverage latency against N"
        let runs = files.map { $0.json["dissemination"]?.array ?? [] }
        let sizes = Set(runs.flatMap { $0.compactMap { $0["peers"]?.int } }).sorted()
        guard !sizes.isEmpty else { return missing(heading, "dissemination") }
        func row(_ k: Int, _ n: Int) -> JSONValue? { runs[k].first { $0["peers"]?.int == n } }
        var seriesNames: [String] = []
        for k in files.indices {
            seriesNames += ["p50", "p99"].map { files.count == 1 ? $0 : "\(letter(k)) \($0)" }
        }
        let groups = sizes.map { n in
            BarChart.Group(
                label: "N = \(n)",
                values: files.indices.flatMap { k in [row(k, n)?["p50_ms"]?.double, row(k, n)?["p99_ms"]?.double] },
                target: targets.p99Ms[n])
        }
        var chart = BarChart(
            id: "dissemination", title: "Full-coverage latency against network size",
            description:
                "For each network size N, the p50 and p99 of the time from a broadcast's creation until the last peer had it"
                + (files.count > 1 ? ", for each file" : "") + "; the dashed line is the p99 target where there is one.",
            xLabel: "network size (quiet peers)", yLabel: "coverage latency (ms)", seriesNames: seriesNames, groups: groups)
        chart.targetName = "p99 target (at most)"
        chart.decimals = 1
        var rows: [[String]] = []
        for n in sizes {
            for k in files.indices {
                guard let r = row(k, n) else { continue }
                rows.append([
                    (files.count > 1 ? "\(letter(k)) " : "") + "\(n)",
                    fixed((r["delivery"]?.double).map { $0 * 100 }, 1, " %"), fixed(r["p50_ms"]?.double, 1, ""),
                    fixed(r["p99_ms"]?.double, 1, ""), fixed(r["max_ms"]?.double, 1, ""),
                    targets.p99Ms[n].map { "≤ " + fixed($0, 0, "") } ?? "",
                    fixed(r["mean_hops"]?.double, 2, ""), fixed(r["messages_per_broadcast"]?.double, 1, ""),
                ])
            }
        }
        return HTMLPage.Section(
            heading: heading,
            summary: [
                "3 seeds and N quiet peers; broadcasts one at a time through a random peer. Coverage latency is the last peer's "
                    + "receipt time minus the origin's creation time, read from their logs (one machine, one clock)."
            ], chart: chart.svg(),
            table: HTMLPage.Table(
                caption: "Dissemination",
                headers: ["N", "delivery", "p50 ms", "p99 ms", "max ms", "p99 target", "mean hops", "copies"],
                rows: rows))
    }

    static func throughput(_ files: [(name: String, json: JSONValue)], _ targets: Targets) -> HTMLPage.Section {
        let heading = "Throughput of one peer"
        let runs = files.map { $0.json["throughput"] }
        guard runs.contains(where: { $0 != nil }) else { return missing(heading, "throughput") }
        var chart = BarChart(
            id: "throughput", title: "Messages per second through one peer",
            description: "Messages a second the peer accepted from one sender, and forwarded to its three other neighbours, "
                + "against the targets.",
            xLabel: "direction", yLabel: "messages per second", seriesNames: names(files, "measured"),
            groups: [
                BarChart.Group(label: "in (accepted)", values: runs.map { $0?["in_per_s"]?.double }, target: targets.inPerSecond),
                BarChart.Group(
                    label: "out (forwarded to 3)", values: runs.map { $0?["out_per_s"]?.double }, target: targets.outPerSecond),
            ])
        chart.targetName = "target (at least)"
        chart.decimals = 0
        let rows = files.indices.map { k -> [String] in
            let t = runs[k]
            return [
                files.count > 1 ? letter(k) : "measured", fixed(t?["in_per_s"]?.double, 0, " /s"),
                fixed(t?["out_per_s"]?.double, 0, " /s"),
                fixed(t?["cpu_s_per_million"]?.double, 2, " s"),
                fixed((t?["peer_cpu_fraction"]?.double).map { $0 * 100 }, 1, " %"),
            ]
        }
        return HTMLPage.Section(
            heading: heading,
            summary: [
                "One peer with four links played by the bench: one sends unique messages as fast as the peer takes them, three count "
                    + "what it forwards. Targets: at least " + fixed(targets.inPerSecond, 0, "") + " in and "
                    + fixed(targets.outPerSecond, 0, "")
                    + " out per second."
            ], chart: chart.svg(),
            table: HTMLPage.Table(caption: "Throughput", headers: ["", "in", "out", "CPU per million", "peer busy"], rows: rows))
    }

    static func footprint(_ files: [(name: String, json: JSONValue)], _ targets: Targets) -> HTMLPage.Section {
        let heading = "Footprint of idle nodes"
        let runs = files.map { $0.json["footprint"] }
        guard runs.contains(where: { $0 != nil }) else { return missing(heading, "footprint") }
        func value(_ k: Int, _ node: String, _ key: String) -> Double? { runs[k]?[node]?[key]?.double }
        let mb = { (v: Double?) in v.map { $0 / 1_000_000 } }
        var memory = BarChart(
            id: "memory", title: "Resident memory of an idle node",
            description:
                "Resident memory of an idle peer and seed, at default timings and at a 1 s liveness interval, against the "
                + DecimalText.fixed(Double(targets.idleRSSBytes) / 1_000_000, 0) + " MB target.",
            xLabel: "node and timing", yLabel: "resident memory (MB, 10^6 bytes)", seriesNames: names(files, "measured"),
            groups: [
                ("peer", "rss_bytes", "default"), ("peer", "rss_bytes_fast_liveness", "1 s liveness"),
                ("seed", "rss_bytes", "default"), ("seed", "rss_bytes_fast_liveness", "1 s liveness"),
            ].map { node, key, label in
                BarChart.Group(
                    label: "\(node), \(label)", values: files.indices.map { mb(value($0, node, key)) },
                    target: Double(targets.idleRSSBytes) / 1_000_000)
            })
        memory.targetName = "target (at most)"
        memory.decimals = 1
        var cpu = BarChart(
            id: "cpu", title: "CPU of an idle node",
            description:
                "Milliseconds of CPU per second of an idle peer and seed, at default timings and at a 1 s liveness interval, "
                + "against their targets.",
            xLabel: "node and timing", yLabel: "CPU (ms per s)", seriesNames: names(files, "measured"),
            groups: [
                ("peer", "", "default"), ("peer", "_fast_liveness", "1 s liveness"), ("seed", "", "default"),
                ("seed", "_fast_liveness", "1 s liveness"),
            ].map { node, suffix, label in
                BarChart.Group(
                    label: "\(node), \(label)", values: files.indices.map { value($0, node, "cpu_ms_per_s" + suffix) },
                    target: suffix.isEmpty ? targets.idleCPUMsPerSecond : targets.idleCPUMsPerSecondFastLiveness)
            })
        cpu.targetName = "target (at most)"
        cpu.decimals = 3
        var rows: [[String]] = []
        for k in files.indices {
            for node in ["peer", "seed"] {
                rows.append([
                    (files.count > 1 ? "\(letter(k)) " : "") + node, fixed(mb(value(k, node, "rss_bytes")), 1, " MB"),
                    fixed(value(k, node, "cpu_ms_per_s"), 3, ""), fixed(value(k, node, "cpu_ms_per_s_fast_liveness"), 3, ""),
                    fixed(value(k, node, "startup_ms"), 1, " ms"), fixed(mb(value(k, node, "binary_bytes")), 1, " MB"),
                ])
            }
        }
        return HTMLPage.Section(
            heading: heading,
            summary: [
                "A seed and two quiet peers left idle, at default timings and then fresh ones at --liveness-interval 1s. "
                    + "Idle CPU is a handful of wake-ups, so it moves from run to run."
            ], chart: memory.svg() + cpu.svg(),
            table: HTMLPage.Table(
                caption: "Footprint", headers: ["node", "RSS", "CPU ms/s", "CPU ms/s, 1 s liveness", "start-up", "binary"],
                rows: rows))
    }

    static func detection(_ files: [(name: String, json: JSONValue)], _ targets: Targets) -> HTMLPage.Section {
        let heading = "Detection of a killed peer"
        let runs = files.map { $0.json["detection"] }
        guard runs.contains(where: { $0 != nil }) else { return missing(heading, "detection") }
        let lasts = runs.map { $0?["last_s"]?.array ?? [] }
        let kills = lasts.map(\.count).max() ?? 0
        var chart = BarChart(
            id: "detection", title: "Time until every seed dropped a killed peer",
            description: "For each SIGKILLed peer, seconds until the last seed that listed it dropped it, against the "
                + DecimalText.fixed(targets.detectionLastSeconds, 1) + " s target.",
            xLabel: "killed peer", yLabel: "time until dropped (s)", seriesNames: names(files, "measured"),
            groups: (0..<kills).map { i in
                BarChart.Group(
                    label: "kill \(i + 1)", values: lasts.map { i < $0.count ? $0[i].double : nil },
                    target: targets.detectionLastSeconds)
            })
        chart.targetName = "target (at most, every run)"
        chart.decimals = 3
        let rows = files.indices.map { k -> [String] in
            let d = runs[k]
            return [
                files.count > 1 ? letter(k) : "measured", "\(d?["peers"]?.int ?? 0)",
                "\(d?["liveness_interval_s"]?.int ?? 0) s × \(d?["liveness_misses"]?.int ?? 0)",
                (d?["first_s"]?.array ?? []).map { fixed($0.double, 3, "") }.joined(separator: " "),
                lasts[k].map { fixed($0.double, 3, "") }.joined(separator: " "), "\(d?["false_removals"]?.int ?? 0)",
            ]
        }
        return HTMLPage.Section(
            heading: heading,
            summary: [
                "A random peer of a running network is SIGKILLed; the seeds drop it once its neighbours report it dead and the seed's check agrees."
            ],
            chart: chart.svg(),
            table: HTMLPage.Table(
                caption: "Detection", headers: ["", "peers", "liveness", "first seed (s)", "last seed (s)", "false removals"],
                rows: rows))
    }

    static func failures(_ files: [(name: String, json: JSONValue)]) -> [HTMLPage.Section] {
        var rows: [[String]] = []
        for (k, file) in files.enumerated() {
            for failure in file.json["failures"]?.array ?? [] {
                rows.append([
                    files.count > 1 ? letter(k) : "", failure["scenario"]?.string ?? "?", failure["reason"]?.string ?? "?",
                ])
            }
        }
        guard !rows.isEmpty else { return [] }
        return [
            HTMLPage.Section(
                heading: "Failures", summary: ["Scenarios that did not complete, with the bench's reason."],
                table: HTMLPage.Table(caption: "Failures", headers: ["file", "scenario", "reason"], rows: rows))
        ]
    }
}
