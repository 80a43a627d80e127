import GossipCore
import GossipReport
import GossipRuntime

/// The JSON `cluster bench --json FILE` writes.
extension BenchReport {
    func json() -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("command", .string(command)),
            ("quick", .bool(quick)),
            (
                "machine",
                .object([
                    ("cores", .integer(machine.cores)), ("cpu", .string(machine.cpuModel)), ("kernel", .string(machine.kernel)),
                    ("build", .string(machine.build)), ("date", .string(machine.date)),
                    ("load_average", .string(machine.load)),
                ])
            ),
        ]
        if ran.contains("dissemination") {
            pairs.append(("dissemination", .array(dissemination.map(Self.json))))
        }
        if let t = throughput {
            pairs.append(
                (
                    "throughput",
                    .object([
                        ("in_per_s", .number(round(t.inPerSecond, 0))), ("out_per_s", .number(round(t.outPerSecond, 0))),
                        ("cpu_s_per_million", .optional(Statistics.rounded(t.cpuSecondsPerMillion, 3))),
                        ("peak_rss_bytes", .optional(t.peakRSSBytes)), ("send_s", .number(t.duration.seconds)),
                        ("seconds", .number(round(t.seconds, 3))), ("sent", .integer(t.sent)),
                        ("accepted", .integer(t.accepted)), ("forwarded", .integer(t.forwarded)),
                        ("peer_cpu_fraction", .number(round(t.peerCPUFraction, 3))),
                        ("bench_lines_per_s_alone", .number(round(t.generationPerSecond, 0))),
                        ("bench_cpu_fraction", .number(round(t.benchCPUFraction, 3))),
                        ("bench_socket_full_fraction", .number(round(t.fullWriteFraction, 3))),
                        ("problems", .array(t.problems.map(JSONValue.string))),
                    ])
                ))
        }
        if let k = killFlood {
            pairs.append(
                (
                    "killflood",
                    .object([
                        ("kills", .integer(k.kills.count)), ("forwarded", .integer(k.forwarded)),
                        ("missing", .integer(k.missing)), ("kills_with_missing", .integer(k.killsWithMissing)),
                        ("in_per_s_median", .optional(Statistics.rounded(k.medianInPerSecond, 0))),
                        ("in_per_s_lowest", .optional(Statistics.rounded(k.lowestInPerSecond, 0))),
                        ("forwarded_per_kill", .array(k.kills.map { .integer($0.forwarded) })),
                        ("problems", .array(k.problems.map(JSONValue.string))),
                    ])
                ))
        }
        if let f = footprint {
            func node(_ slow: Footprint.Node, _ fast: Footprint.Node, binary: Int?) -> JSONValue {
                .object([
                    ("rss_bytes", .optional(slow.rssBytes)), ("rss_bytes_fast_liveness", .optional(fast.rssBytes)),
                    ("cpu_ms_per_s", .optional(Statistics.rounded(slow.cpuMsPerSecond, 4))),
                    ("cpu_ms_per_s_fast_liveness", .optional(Statistics.rounded(fast.cpuMsPerSecond, 4))),
                    ("startup_ms", .optional(Statistics.rounded(slow.startupMs, 3))),
                    ("startup_ms_fast_liveness", .optional(Statistics.rounded(fast.startupMs, 3))),
                    ("binary_bytes", .optional(binary)),
                ])
            }
            pairs.append(
                (
                    "footprint",
                    .object([
                        ("idle_s", .number(f.idle.seconds)),
                        ("peer", node(f.defaults.peer, f.fastLiveness.peer, binary: f.peerBinaryBytes)),
                        ("seed", node(f.defaults.seed, f.fastLiveness.seed, binary: f.seedBinaryBytes)),
                    ])
                ))
        }
        if let d = detection {
            pairs.append(
                (
                    "detection",
                    .object([
                        ("peers", .integer(d.peers)), ("liveness_interval_s", .integer(Detection.interval)),
                        ("liveness_misses", .integer(Detection.misses)),
                        ("network", .string("one network; a different random live peer killed each run")),
                        ("first_s", .array(d.kills.map { .optional(Statistics.rounded($0.first, 4)) })),
                        ("last_s", .array(d.kills.map { .optional(Statistics.rounded($0.last, 4)) })),
                        ("listed_by", .array(d.kills.map { .integer($0.listedBy) })),
                        ("false_removals", .integer(d.falseRemovals)),
                    ])
                ))
        }
        if !failures.isEmpty {
            pairs.append(
                (
                    "failures",
                    .array(failures.map { .object([("scenario", .string($0.scenario)), ("reason", .string($0.reason))]) })
                ))
        }
        return .object(pairs)
    }

    private static func json(_ r: Dissemination.Result) -> JSONValue {
        .object([
            ("peers", .integer(r.peers)), ("broadcasts", .integer(r.broadcasts)),
            ("delivery", .number(round(r.delivery, 6))),
            ("p50_ms", .optional(Statistics.rounded(r.p50, 3))), ("p99_ms", .optional(Statistics.rounded(r.p99, 3))),
            ("max_ms", .optional(Statistics.rounded(r.max, 3))),
            ("mean_hops", .optional(Statistics.rounded(r.meanHops, 3))), ("max_hops", .optional(r.hops.max())),
            ("messages_per_broadcast", .optional(Statistics.rounded(r.messagesPerBroadcast, 2))),
            ("incomplete_broadcasts", .integer(r.incomplete)),
        ])
    }

    private func round(_ value: Double, _ places: Int) -> Double { Statistics.rounded(value, places) ?? 0 }
    private static func round(_ value: Double, _ places: Int) -> Double { Statistics.rounded(value, places) ?? 0 }
}
