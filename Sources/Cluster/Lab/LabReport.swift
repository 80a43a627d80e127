import GossipCore
import GossipOptions
import GossipReport

/// The figures of one lab run, from the lab's own record (what it did when, what the seeds
/// listed at each poll) and the nodes' logs (read with `PeerLog`, `SeedLog` and
/// `DeliveryReport`, the log readers the bench and `cluster` use).
struct LabReport {
    struct Removal {
        var seed: NodeAddress
        var peer: NodeAddress
        /// Seconds from the start of the run.
        var at: Double
        var reason: String
        /// `killed`, `left`, `partition`, `freeze` (the fault the peer was under), or nil: it
        /// was alive and under no fault, a false removal.
        var cause: String?
    }

    struct FaultFigures {
        var kind: String
        var peer: NodeAddress
        var at: Double
        var end: Double?
        /// Seeds that listed the peer when the fault began.
        var listedBy: Int
        /// How many of them dropped it (while the fault lasted, for the faults that heal).
        var droppedBy: Int
        /// Seconds until the last of them dropped it; nil unless all did.
        var droppedByAllAfter: Double?
        /// From the seeds' logs: seconds from the fault to the last of their removal lines.
        var removedInLogsAfter: Double?
        /// After the heal: seconds until every seed that had dropped it lists it again.
        var listedAgainAfter: Double?
        /// After the heal: seconds until its first new `Linked with peer` line.
        var linkedAgainAfter: Double?
        /// After the heal: seconds until every live peer has every message created before it
        /// (by any peer; 0 when all had arrived already). Nil when some never arrived.
        var allDeliveredAfter: Double?
        /// `Dead Node` reports the peer made from the fault's start to 2 s after its end.
        var reportsMade = 0
    }

    struct SeedRestart {
        var seed: NodeAddress
        var at: Double
        var listedBefore: Int
        var listedAgain: Int
        /// Seconds from its start again until it lists every live peer it listed before.
        var allListedAgainAfter: Double?
    }

    struct FinalList {
        var seed: NodeAddress
        var source: String
        var complete: Bool
        var listed: Int
        var expected: Int
        /// Live peers registered with it (since it last started) that it does not list.
        var missing: [NodeAddress]
        /// Killed or departed peers it still lists.
        var goneListed: [NodeAddress]
        /// Listed, alive, but not registered with it since it started.
        var unexpected: [NodeAddress]
        var matches: Bool { complete && missing.isEmpty && goneListed.isEmpty && unexpected.isEmpty }
    }

    var command: String
    var seeds: Int
    var peers: Int
    var duration: Double
    var lossPercent: Int
    var faults: [String]
    var livePeers: Int
    var created = 0
    var delivered = 0
    var expected = 0
    var incompletePeers: [(NodeAddress, Int, Int)] = []
    var removals: [Removal] = []
    var figures: [FaultFigures] = []
    var restarts: [SeedRestart] = []
    var finalLists: [FinalList?] = []
    var polls: [(ok: Int, failed: Int)] = []
    var namespacesLeft: [String] = []
    var warnings: [String] = []
    /// `Dead Node` reports the peers made, and how many were about peers alive and under no
    /// fault at that moment (the figure the simulator's loss model is calibrated against).
    var reportsMade = 0
    var reportsAboutLive = 0
    /// Accusations the seeds took and checked (`Suspect peer` lines).
    var suspicions = 0

    var falseRemovals: [Removal] { removals.filter { $0.cause == nil } }

    init(run: LabRun, command: String) {
        let options = run.options
        self.command = command
        seeds = run.seeds.count
        peers = run.peers.count
        duration = Double(run.endWall - run.startWall) / 1e6
        lossPercent = options.lossPercent
        faults = options.faults.map { fault in
            "\(fault.kind.rawValue) \(fault.kind == .restartSeed ? "" : DecimalText.fixed(fault.count, fault.count < 1 ? 2 : 0))@\(DurationText.format(fault.at))"
                + (fault.length.map { "+" + DurationText.format($0) } ?? "")
        }
        polls = run.polls
        warnings = run.warnings
        let start = run.startWall
        func seconds(_ at: Int64) -> Double { Double(at - start) / 1e6 }
        let live = Set(run.peers.map(\.address)).subtracting(run.gone.keys)
        livePeers = live.count

        // Delivery to the live peers: every message another peer created that got out of its
        // creator (some peer received it) or whose creator is alive.
        let delivery = DeliveryReport(
            logs: run.peers.enumerated().map { (index, peer) in (peer.address, run.peerLogs[index].tail.path, 0) })
        // Messages made in the last second are still in flight when the lab stops the nodes.
        let settled = (run.endWall - 1_000_000) / 1000
        let escaped = delivery.rows.reduce(into: Set<GossipMessage>()) { set, row in
            set.formUnion(row.received)
            if live.contains(row.peer) { set.formUnion(row.created) }
        }.filter { $0.timestamp.milliseconds < settled }
        created = delivery.allCreated.count
        for row in delivery.rows where live.contains(row.peer) {
            let want = escaped.subtracting(row.created)
            let got = row.received.intersection(want).count
            delivered += got
            expected += want.count
            if got < want.count { incompletePeers.append((row.peer, got, want.count)) }
        }

        // Every removal a seed logged, with what the peer was going through at that moment.
        for (index, log) in run.seedLogs.enumerated() {
            // Removals after the end are the lab stopping its peers (they leave): not findings.
            for removal in log.removals where removal.at >= start - 1_000_000 && removal.at < run.endWall {
                var cause: String?
                if removal.reason == "expired" {
                    // Not a verdict of death: a registration not renewed (the peer gave up on
                    // this seed, or renews elsewhere). A live peer that still counts on this seed
                    // is listed again by its next renewal.
                    cause = "expired"
                } else if let goneAt = run.gone[removal.peer], goneAt <= removal.at {
                    cause = run.played.first { $0.targets.contains(removal.peer) && ($0.kind == .kill || $0.kind == .leave) }?
                        .kind.rawValue ?? "killed"
                } else if let fault = run.played.first(where: {
                    ($0.kind == .partition || $0.kind == .freeze) && $0.targets.contains(removal.peer) && $0.start <= removal.at
                        && removal.at <= ($0.end ?? Int64.max)
                }) {
                    cause = fault.kind.rawValue
                }
                removals.append(
                    Removal(seed: run.seeds[index].address, peer: removal.peer, at: seconds(removal.at), reason: removal.reason, cause: cause))
            }
        }

        // Per fault and peer: how the seeds' lists followed it.
        for record in run.played where record.kind != .restartSeed {
            for peer in record.targets {
                let listing = run.seeds.indices.filter { Self.listed(run.history[$0][peer], at: record.start) }
                // A forged accusation is judged over the 10 s after it (time enough for any check).
                let until = record.kind == .forge ? min(run.endWall, record.start + 10_000_000) : record.end ?? run.endWall
                var drops: [Int: Int64] = [:]
                for seed in listing {
                    if let at = run.history[seed][peer]?.first(where: { !$0.listed && $0.at > record.start && $0.at <= until })?.at {
                        drops[seed] = at
                    }
                }
                var figure = FaultFigures(
                    kind: record.kind.rawValue, peer: peer, at: seconds(record.start), end: record.end.map(seconds),
                    listedBy: listing.count, droppedBy: drops.count)
                if !listing.isEmpty && drops.count == listing.count {
                    figure.droppedByAllAfter = Double(drops.values.max()! - record.start) / 1e6
                }
                let logged = listing.compactMap { seed in
                    run.seedLogs[seed].removals.first { $0.peer == peer && $0.at >= record.start && $0.at <= until }?.at
                }
                if !listing.isEmpty && logged.count == listing.count {
                    figure.removedInLogsAfter = Double(logged.max()! - record.start) / 1e6
                }
                if let end = record.end {
                    // Every seed that dropped it at any time since the fault began.
                    let dropped = run.seeds.indices.filter { seed in
                        run.history[seed][peer]?.contains { !$0.listed && $0.at > record.start && $0.at <= end } == true
                    }
                    let relisted = dropped.compactMap { seed in run.history[seed][peer]?.first { $0.listed && $0.at > end }?.at }
                    if !dropped.isEmpty && relisted.count == dropped.count {
                        figure.listedAgainAfter = Double(relisted.max()! - end) / 1e6
                    }
                    if let index = run.peers.firstIndex(where: { $0.address == peer }),
                        let linked = run.peerLogs[index].linkTimes.first(where: { $0 > end })
                    {
                        figure.linkedAgainAfter = Double(linked - end) / 1e6
                    }
                    figure.allDeliveredAfter = Self.deliveredAfter(end, run: run, live: live)
                    if let index = run.peers.firstIndex(where: { $0.address == peer }) {
                        figure.reportsMade = run.peerLogs[index].reports.count { $0.at >= record.start && $0.at <= end + 2_000_000 }
                    }
                }
                figures.append(figure)
            }
        }

        for log in run.peerLogs {
            for report in log.reports where report.at >= start {
                reportsMade += 1
                let underFault = run.played.contains { $0.targets.contains(report.dead) && $0.start <= report.at }
                if !underFault && run.gone[report.dead] == nil { reportsAboutLive += 1 }
            }
        }
        suspicions = run.seedLogs.reduce(0) { $0 + $1.suspicions }

        for record in run.played where record.kind == .restartSeed {
            guard let seed = record.seed else { continue }
            let startedAgain = record.end ?? run.endWall
            let wanted = record.listedBefore.intersection(live)
            let times = wanted.compactMap { peer in run.history[seed][peer]?.first { $0.listed && $0.at > startedAgain }?.at }
            restarts.append(
                SeedRestart(
                    seed: run.seeds[seed].address, at: seconds(record.start), listedBefore: wanted.count, listedAgain: times.count,
                    allListedAgainAfter: times.count == wanted.count && !wanted.isEmpty
                        ? Double(times.max()! - startedAgain) / 1e6 : nil))
        }

        // What each seed lists at the end, against the live peers registered with it.
        for (index, answer) in run.finalLists.enumerated() {
            guard let answer else {
                finalLists.append(nil)
                continue
            }
            let since = run.seedStarts[index] - 1_000_000
            // Registered with it since it started, and not removed since the last registration.
            var lastRegistered: [NodeAddress: Int64] = [:]
            for registration in run.seedLogs[index].registrations where registration.at >= since {
                lastRegistered[registration.peer] = registration.at
            }
            for removal in run.seedLogs[index].removals where removal.reason == "expired" {
                if let at = lastRegistered[removal.peer], at <= removal.at { lastRegistered[removal.peer] = nil }
            }
            let registered = Set(lastRegistered.keys)
            let wanted = registered.intersection(live)
            let listed = Set(answer.members.keys)
            finalLists.append(
                FinalList(
                    seed: run.seeds[index].address, source: answer.source, complete: answer.complete, listed: listed.count,
                    expected: wanted.count, missing: wanted.subtracting(listed).sorted(),
                    goneListed: listed.intersection(run.gone.keys).sorted(),
                    unexpected: listed.intersection(live).subtracting(wanted).sorted()))
        }
    }

    /// Seconds after `end` until every live peer has received every message created before it
    /// by another peer (0: all had arrived by then); nil when some message never arrived.
    static func deliveredAfter(_ end: Int64, run: LabRun, live: Set<NodeAddress>) -> Double? {
        var latest = end
        for (index, log) in run.peerLogs.enumerated() {
            for created in log.created where created.at < end {
                for (other, otherLog) in run.peerLogs.enumerated() where other != index && live.contains(run.peers[other].address) {
                    guard let receipt = otherLog.receipts[created.text] else { return nil }
                    latest = max(latest, receipt.at)
                }
            }
        }
        return Double(latest - end) / 1e6
    }

    /// Whether the listing history says the peer was listed at `at` (the last change before).
    static func listed(_ changes: [(at: Int64, listed: Bool)]?, at: Int64) -> Bool {
        changes?.last { $0.at <= at }?.listed ?? false
    }

    var deliveryFraction: Double { expected == 0 ? 1 : Double(delivered) / Double(expected) }

    // MARK: Text

    func summary() -> String {
        func s(_ value: Double?) -> String { value.map { DecimalText.fixed($0, 2) + " s" } ?? "never" }
        var lines = [
            "Lab: \(seeds) seeds, \(peers) peers, \(DecimalText.fixed(duration, 1)) s, loss \(lossPercent) %"
                + (faults.isEmpty ? "" : "; faults: " + faults.joined(separator: ", "))
        ]
        lines.append(
            "Delivery: \(delivered) of \(expected) (\(DecimalText.fixed(deliveryFraction * 100, 1)) %) to \(livePeers) live peers; \(created) messages created"
        )
        for (peer, got, want) in incompletePeers.prefix(5) { lines.append("  incomplete: \(peer) \(got) of \(want)") }
        let falses = falseRemovals
        lines.append(
            "Dead Node reports: \(reportsMade) made (\(reportsAboutLive) about peers alive and under no fault); \(suspicions) suspicions checked by the seeds")
        lines.append("Removals by the seeds: \(removals.count) (\(removals.count - falses.count) true, \(falses.count) false)")
        for removal in falses.prefix(8) {
            lines.append(
                "  false: \(removal.peer) by seed \(removal.seed) at \(DecimalText.fixed(removal.at, 1)) s (\(removal.reason))")
        }
        if falses.count > 8 { lines.append("  ... \(falses.count - 8) more") }
        for figure in figures {
            var line = "\(figure.kind) \(figure.peer) at \(DecimalText.fixed(figure.at, 1)) s: listed by \(figure.listedBy), "
            if figure.kind == "forge" {
                line += "dropped by \(figure.droppedBy) after the forged report (an honest list drops nobody)"
            } else if figure.end != nil {
                line += "dropped by \(figure.droppedBy) while cut off"
                if figure.droppedBy > 0 { line += " (all: \(s(figure.droppedByAllAfter)))" }
                line += "; listed again after \(figure.droppedBy > 0 ? s(figure.listedAgainAfter) : "-")"
                line += ", linked again after \(s(figure.linkedAgainAfter))"
                line += ", every message everywhere \(s(figure.allDeliveredAfter)) after the heal"
                line += "; \(figure.reportsMade) reports made by it"
            } else {
                line += "dropped by all after \(s(figure.droppedByAllAfter)) (seed logs: \(s(figure.removedInLogsAfter)))"
            }
            lines.append(line)
        }
        for restart in restarts {
            lines.append(
                "restart-seed \(restart.seed) at \(DecimalText.fixed(restart.at, 1)) s: lists again \(restart.listedAgain) of \(restart.listedBefore) live peers it listed (all after \(s(restart.allListedAgainAfter)))"
            )
        }
        lines.append("Final lists:")
        for (index, list) in finalLists.enumerated() {
            guard let list else {
                lines.append("  seed \(index + 1): no answer")
                continue
            }
            var line = "  seed \(list.seed): \(list.listed) listed, \(list.expected) live registered"
            line += ", \(list.missing.count) missing, \(list.goneListed.count) dead listed"
            if !list.unexpected.isEmpty { line += ", \(list.unexpected.count) not registered here" }
            line += " (\(list.source == "members" ? "List Members" : "List Peers")\(list.complete ? "" : ", capped"))"
            line += list.matches ? "  ok" : "  <- differs"
            lines.append(line)
        }
        let failed = polls.reduce(0) { $0 + $1.failed }
        let made = polls.reduce(0) { $0 + $1.ok + $1.failed }
        lines.append("Seed polls: \(made) every 250 ms, \(failed) unanswered")
        lines.append(namespacesLeft.isEmpty ? "Namespaces removed" : "NAMESPACES LEFT: " + namespacesLeft.joined(separator: " "))
        return lines.joined(separator: "\n")
    }

    // MARK: JSON

    func json() -> JSONValue {
        func address(_ value: NodeAddress) -> JSONValue { .string(value.description) }
        return .object([
            ("command", .string(command)),
            ("seeds", .integer(seeds)),
            ("peers", .integer(peers)),
            ("duration_s", .number(duration)),
            ("loss_percent", .integer(lossPercent)),
            ("faults", .array(faults.map { .string($0) })),
            (
                "delivery",
                .object([
                    ("live_peers", .integer(livePeers)),
                    ("messages_created", .integer(created)),
                    ("received", .integer(delivered)),
                    ("expected", .integer(expected)),
                    ("fraction", .number(deliveryFraction)),
                    (
                        "incomplete",
                        .array(incompletePeers.map { .object([("peer", address($0.0)), ("received", .integer($0.1)), ("expected", .integer($0.2))]) })
                    ),
                ])
            ),
            (
                "removals",
                .object([
                    ("total", .integer(removals.count)),
                    ("true", .integer(removals.count - falseRemovals.count)),
                    ("false", .integer(falseRemovals.count)),
                    (
                        "list",
                        .array(
                            removals.map {
                                .object([
                                    ("seed", address($0.seed)), ("peer", address($0.peer)), ("at_s", .number($0.at)),
                                    ("reason", .string($0.reason)), ("cause", $0.cause.map { .string($0) } ?? .null),
                                    ("false", .bool($0.cause == nil)),
                                ])
                            })
                    ),
                ])
            ),
            (
                "dead_reports",
                .object([
                    ("made", .integer(reportsMade)), ("about_live", .integer(reportsAboutLive)),
                    ("suspicions", .integer(suspicions)),
                ])
            ),
            (
                "faults_measured",
                .array(
                    figures.map {
                        .object([
                            ("kind", .string($0.kind)), ("peer", address($0.peer)), ("at_s", .number($0.at)),
                            ("end_s", .optional($0.end)), ("listed_by", .integer($0.listedBy)),
                            ("dropped_by", .integer($0.droppedBy)), ("dropped_by_all_after_s", .optional($0.droppedByAllAfter)),
                            ("removed_in_logs_after_s", .optional($0.removedInLogsAfter)),
                            ("listed_again_after_s", .optional($0.listedAgainAfter)),
                            ("linked_again_after_s", .optional($0.linkedAgainAfter)),
                            ("all_delivered_after_s", .optional($0.allDeliveredAfter)),
                            ("reports_made", .integer($0.reportsMade)),
                        ])
                    })
            ),
            (
                "seed_restarts",
                .array(
                    restarts.map {
                        .object([
                            ("seed", address($0.seed)), ("at_s", .number($0.at)), ("listed_before", .integer($0.listedBefore)),
                            ("listed_again", .integer($0.listedAgain)),
                            ("all_listed_again_after_s", .optional($0.allListedAgainAfter)),
                        ])
                    })
            ),
            (
                "final_lists",
                .array(
                    finalLists.map { list in
                        guard let list else { return .null }
                        return .object([
                            ("seed", address(list.seed)), ("source", .string(list.source)), ("complete", .bool(list.complete)),
                            ("listed", .integer(list.listed)), ("expected", .integer(list.expected)),
                            ("missing", .array(list.missing.map(address))), ("dead_listed", .array(list.goneListed.map(address))),
                            ("unexpected", .array(list.unexpected.map(address))), ("matches", .bool(list.matches)),
                        ])
                    })
            ),
            (
                "seed_polls",
                .array(polls.map { .object([("answered", .integer($0.ok)), ("unanswered", .integer($0.failed))]) })
            ),
            ("namespaces_left", .array(namespacesLeft.map { .string($0) })),
            ("warnings", .array(warnings.map { .string($0) })),
        ])
    }
}
