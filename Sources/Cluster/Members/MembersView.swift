import GossipCore
import GossipReport

/// One seed's answer to `List Members`, or why it gave none.
struct SeedAnswer {
    var seed: NodeAddress
    var rows: [(NodeAddress, Member.State)]
    /// Nil when the seed answered completely.
    var failure: String?
}

/// The seeds' answers merged: one row per peer, with each seed's word on it.
struct MembersView {
    struct Row {
        var peer: NodeAddress
        /// The most hopeful state any seed gives (`MembersView.precedence`).
        var state: Member.State
        /// The seeds that list it and what each says, in the order the seeds were asked.
        var seeds: [(seed: NodeAddress, state: Member.State)]
    }

    /// Which state a row shows when seeds disagree: a seed that heard from the peer lately
    /// outweighs one that did not (a peer registers with only some seeds, and may have given one
    /// up: `expired` there, `alive` at another); `left` is the peer's own word, so it outranks a
    /// seed's conclusion that it is `dead`.
    static let precedence: [Member.State] = [.alive, .suspect, .left, .dead, .expired]

    let answers: [SeedAnswer]
    let rows: [Row]

    init(answers: [SeedAnswer]) {
        self.answers = answers
        var bySeeds: [NodeAddress: [(seed: NodeAddress, state: Member.State)]] = [:]
        for answer in answers {
            for (peer, state) in answer.rows { bySeeds[peer, default: []].append((answer.seed, state)) }
        }
        rows = bySeeds.keys.sorted().map { peer in
            let seeds = bySeeds[peer]!
            let state = Self.precedence.first { candidate in seeds.contains { $0.state == candidate } } ?? .alive
            return Row(peer: peer, state: state, seeds: seeds)
        }
    }

    func count(_ state: Member.State) -> Int { rows.filter { $0.state == state }.count }

    /// `10 peers: 9 alive, 1 left; 3 of 3 seeds answered`.
    var summary: String {
        let counts = Self.precedence.compactMap { state -> String? in
            let n = count(state)
            return n == 0 ? nil : "\(n) \(state.rawValue)"
        }
        let answered = answers.filter { $0.failure == nil }.count
        let peers = rows.count == 1 ? "1 peer" : "\(rows.count) peers"
        return peers + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", "))
            + "; \(answered) of \(answers.count) seeds answered"
    }

    /// The table: a row per peer, then the summary. A seed whose word differs from the row's
    /// state has it in parentheses.
    func table() -> String {
        let header = ("PEER", "STATE", "SEEDS")
        let lines = rows.map { row in
            (
                row.peer.description, row.state.rawValue,
                row.seeds.map { $0.state == row.state ? $0.seed.description : "\($0.seed) (\($0.state.rawValue))" }
                    .joined(separator: ", ")
            )
        }
        let first = max(header.0.count, lines.map(\.0.count).max() ?? 0) + 2
        let second = max(header.1.count, lines.map(\.1.count).max() ?? 0) + 2
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(1, width - text.count)) }
        var out = [pad(header.0, first) + pad(header.1, second) + header.2]
        out += lines.map { pad($0.0, first) + pad($0.1, second) + $0.2 }
        out.append(summary)
        return out.joined(separator: "\n")
    }

    /// The `--json` document (keys documented in the README, "cluster members").
    func json() -> JSONValue {
        .object([
            (
                "seeds",
                .array(
                    answers.map { answer in
                        .object([
                            ("address", .string(answer.seed.description)),
                            ("answered", .bool(answer.failure == nil)),
                            ("error", answer.failure.map { .string($0) } ?? .null),
                            ("members", .integer(answer.rows.count)),
                        ])
                    })
            ),
            (
                "peers",
                .array(
                    rows.map { row in
                        .object([
                            ("address", .string(row.peer.description)),
                            ("state", .string(row.state.rawValue)),
                            (
                                "seeds",
                                .array(
                                    row.seeds.map {
                                        .object([
                                            ("address", .string($0.seed.description)), ("state", .string($0.state.rawValue)),
                                        ])
                                    })
                            ),
                        ])
                    })
            ),
            ("counts", .object(Self.precedence.map { ($0.rawValue, .integer(count($0))) })),
            ("complete", .bool(answers.allSatisfy { $0.failure == nil })),
        ])
    }
}
