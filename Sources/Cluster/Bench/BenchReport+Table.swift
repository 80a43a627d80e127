/// The table `cluster bench` prints: each figure beside its target, with ✓ or ✗.
extension BenchReport {
    fileprivate struct Row {
        var label: String
        var value: String
        var target = ""
        /// nil: no target for this figure.
        var met: Bool?

        /// A heading: a line of its own.
        static func section(_ title: String) -> Row { Row(label: title, value: "") }
    }

    func table() -> String {
        var lines = [
            "Gossip benchmark, \(machine.build) build; \(machine.cores) cores (\(machine.cpuModel)), \(machine.kernel)",
            "\(machine.date), load average \(machine.load)",
            "command: \(command)",
            "",
        ]
        var rows: [Row] = []
        if ran.contains("dissemination") { disseminationRows(&rows) }
        if ran.contains("throughput") { throughputRows(&rows) }
        if ran.contains("killflood") { killFloodRows(&rows) }
        if ran.contains("footprint") { footprintRows(&rows) }
        if ran.contains("detection") { detectionRows(&rows) }
        for failure in failures { rows.append(Row(label: "\(failure.scenario) FAILED", value: failure.reason)) }
        let labelWidth = max(44, rows.map { $0.value.isEmpty ? 0 : $0.label.count }.max() ?? 0) + 2
        let valueWidth = (rows.map { $0.value.count }.max() ?? 0) + 2
        let targetWidth = (rows.map { $0.target.count }.max() ?? 0) + 2
        lines.append(pad("", labelWidth) + pad("measured", valueWidth) + "target")
        for row in rows {
            if row.value.isEmpty {
                lines.append(row.label)
                continue
            }
            var line = pad(row.label, labelWidth) + pad(row.value, valueWidth)
            if let met = row.met { line += pad(row.target, targetWidth) + (met ? "✓" : "✗") }
            lines.append(line.trailingSpacesRemoved)
        }
        let marks = rows.compactMap(\.met)
        lines.append("")
        lines.append("targets met: \(marks.filter { $0 }.count) of \(marks.count)   (MB = 10^6 bytes)")
        return lines.joined(separator: "\n")
    }

    private func disseminationRows(_ rows: inout [Row]) {
        let k = dissemination.first?.broadcasts ?? 0
        rows.append(
            Row.section(
                "dissemination (\(Dissemination.seeds) seeds, N quiet peers, \(k) broadcasts from random peers via stdin)"))
        for result in dissemination {
            let n = "  N = " + String(repeating: " ", count: max(0, 3 - String(result.peers).count)) + "\(result.peers)"
            let indent = String(repeating: " ", count: n.count)
            rows.append(
                Row(
                    label: n + "  delivery",
                    value: "\(BenchFormat.percent(result.delivery)) (\(result.delivered) of \(result.expected))",
                    target: "100 %", met: result.delivery >= BenchTargets.delivery))
            var latency = Row(
                label: indent + "  coverage p50 / p99 / max",
                value: [result.p50, result.p99, result.max].map { BenchFormat.optional($0, 1) }.joined(separator: " / ")
                    + " ms")
            if let target = BenchTargets.p99Ms[result.peers] {
                latency.target = "p99 ≤ \(BenchFormat.fixed(target, 0)) ms"
                latency.met = (result.p99 ?? .infinity) <= target && result.incomplete == 0
            }
            rows.append(latency)
            rows.append(
                Row(
                    label: indent + "  hops mean / max",
                    value: BenchFormat.optional(result.meanHops, 2) + " / " + (result.hops.max().map(String.init) ?? "-")))
            rows.append(
                Row(label: indent + "  messages sent per broadcast", value: BenchFormat.optional(result.messagesPerBroadcast, 1)))
        }
    }

    private func throughputRows(_ rows: inout [Row]) {
        guard let t = throughput else { return }
        rows.append(
            Row.section(
                "throughput (1 peer; 4 inbound links played by the bench: 1 sends for \(BenchFormat.seconds(t.duration)), 3 count)"
            ))
        rows.append(
            Row(
                label: "  messages in (accepted)", value: "\(BenchFormat.count(t.inPerSecond)) /s",
                target: "≥ \(BenchFormat.count(BenchTargets.inPerSecond)) /s", met: t.inPerSecond >= BenchTargets.inPerSecond))
        rows.append(
            Row(
                label: "  messages out (forwarded to the 3)", value: "\(BenchFormat.count(t.outPerSecond)) /s",
                target: "≥ \(BenchFormat.count(BenchTargets.outPerSecond)) /s",
                met: t.outPerSecond >= BenchTargets.outPerSecond))
        rows.append(
            Row(label: "  peer CPU per million messages", value: BenchFormat.optional(t.cpuSecondsPerMillion, 2, " s")))
        rows.append(Row(label: "  peer peak RSS", value: BenchFormat.megabytes(t.peakRSSBytes)))
        rows.append(Row(label: "  peer busy", value: "\(BenchFormat.percent(t.peerCPUFraction)) of a core"))
        rows.append(
            Row(
                label: "  lines sent / accepted / forwarded",
                value:
                    "\(BenchFormat.count(Double(t.sent))) / \(BenchFormat.count(Double(t.accepted))) / \(BenchFormat.count(Double(t.forwarded))) in \(BenchFormat.fixed(t.seconds, 2)) s"
            ))
        rows.append(
            Row(
                label: "  bench: alone / busy / socket full",
                value:
                    "\(BenchFormat.count(t.generationPerSecond)) lines/s / \(BenchFormat.percent(t.benchCPUFraction)) of a core / \(BenchFormat.percent(t.fullWriteFraction)) of writes"
            ))
        for problem in t.problems.prefix(5) { rows.append(Row(label: "  note", value: problem)) }
    }

    private func killFloodRows(_ rows: inout [Row]) {
        guard let k = killFlood else { return }
        rows.append(
            Row.section(
                "kill flood (the throughput flood; the peer SIGKILLed in it \(k.kills.count) times, a fresh one each time)"))
        rows.append(
            Row(
                label: "  forwarded but missing from the log",
                value: "\(BenchFormat.grouped(k.missing)) of \(BenchFormat.grouped(k.forwarded)) (\(k.killsWithMissing) of \(k.kills.count) kills)",
                target: "\(BenchTargets.killFloodMissing)", met: k.missing <= BenchTargets.killFloodMissing && !k.kills.isEmpty))
        rows.append(
            Row(
                label: "  flood rate after 0.2 s, messages in (median / lowest)",
                value: "\(BenchFormat.optional(k.medianInPerSecond, 0)) / \(BenchFormat.optional(k.lowestInPerSecond, 0)) /s",
                target: "≥ \(BenchFormat.count(BenchTargets.inPerSecond)) /s",
                met: (k.medianInPerSecond ?? 0) >= BenchTargets.inPerSecond))
        let perKill = k.kills.map(\.forwarded)
        rows.append(
            Row(
                label: "  messages forwarded per kill (fewest / most)",
                value: "\(BenchFormat.grouped(perKill.min() ?? 0)) / \(BenchFormat.grouped(perKill.max() ?? 0))"))
        for problem in k.problems.prefix(5) { rows.append(Row(label: "  note", value: problem)) }
    }

    private func footprintRows(_ rows: inout [Row]) {
        guard let f = footprint else { return }
        rows.append(
            Row.section(
                "footprint (1 seed, 2 quiet peers, idle \(BenchFormat.seconds(f.idle)); default timings, then fresh at --liveness-interval 1s)"
            ))
        for (name, fast, slow) in [
            ("peer", f.fastLiveness.peer, f.defaults.peer), ("seed", f.fastLiveness.seed, f.defaults.seed),
        ] {
            rows.append(
                Row(
                    label: "  \(name) RSS (default / 1 s liveness)",
                    value: BenchFormat.megabytes(slow.rssBytes) + " / " + BenchFormat.megabytes(fast.rssBytes),
                    target: "≤ 6 MB",
                    met: max(slow.rssBytes ?? .max, fast.rssBytes ?? .max) <= BenchTargets.idleRSSBytes))
            rows.append(
                Row(
                    label: "  \(name) CPU, default timings", value: BenchFormat.optional(slow.cpuMsPerSecond, 3, " ms/s"),
                    target: "≤ 0.05 ms/s", met: (slow.cpuMsPerSecond ?? .infinity) <= BenchTargets.idleCPUMsPerSecond))
            rows.append(
                Row(
                    label: "  \(name) CPU, --liveness-interval 1s", value: BenchFormat.optional(fast.cpuMsPerSecond, 3, " ms/s"),
                    target: "≤ 0.2 ms/s",
                    met: (fast.cpuMsPerSecond ?? .infinity) <= BenchTargets.idleCPUMsPerSecondFastLiveness))
        }
        rows.append(
            Row(
                label: "  peer start-up, exec to registered + linked",
                value: BenchFormat.optional(f.defaults.peer.startupMs, 1, " ms") + " / "
                    + BenchFormat.optional(f.fastLiveness.peer.startupMs, 1, " ms")))
        rows.append(
            Row(
                label: "  seed start-up, exec to listening",
                value: BenchFormat.optional(f.defaults.seed.startupMs, 1, " ms") + " / "
                    + BenchFormat.optional(f.fastLiveness.seed.startupMs, 1, " ms")))
        rows.append(
            Row(
                label: "  binary size seed / peer",
                value: BenchFormat.megabytes(f.seedBinaryBytes) + " / " + BenchFormat.megabytes(f.peerBinaryBytes)))
    }

    private func detectionRows(_ rows: inout [Row]) {
        guard let d = detection else { return }
        rows.append(
            Row.section(
                "detection (3 seeds, \(d.peers) peers, liveness \(Detection.interval) s × \(Detection.misses) misses; \(d.kills.count) SIGKILLs, one network)"
            ))
        let firsts = d.kills.map { BenchFormat.optional($0.first, 2) }.joined(separator: " ")
        let lasts = d.kills.map { BenchFormat.optional($0.last, 2) }.joined(separator: " ")
        rows.append(Row(label: "  first seed dropped it", value: firsts + " s"))
        let allMet = !d.kills.isEmpty && d.kills.allSatisfy { ($0.last ?? .infinity) <= BenchTargets.detectionLastSeconds }
        rows.append(
            Row(label: "  last seed that listed it dropped it", value: lasts + " s", target: "≤ 4.0 s every run", met: allMet))
        rows.append(
            Row(
                label: "  seeds that listed the killed peer",
                value: d.kills.map { String($0.listedBy) }.joined(separator: " ")))
        if d.falseRemovals > 0 { rows.append(Row(label: "  note", value: "\(d.falseRemovals) live peers removed by a seed")) }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

extension String {
    fileprivate var trailingSpacesRemoved: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
