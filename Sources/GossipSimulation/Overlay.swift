import GossipCore

/// The overlay the peers built: an undirected graph of the live peers, an edge wherever one of
/// two live peers has the other as a linked neighbour.
public struct Overlay {
    /// Neighbours of each live peer, by position in `live`.
    let adjacency: [[Int32]]

    public struct DegreeSummary: Sendable, Equatable {
        public var min = 0
        public var p50 = 0
        public var mean = 0.0
        public var max = 0
        public var histogram: [Int: Int] = [:]
    }

    init(simulation: Simulation, live: [Int]) {
        var position = [Int32](repeating: -1, count: simulation.settings.peers)
        for (k, peer) in live.enumerated() { position[peer] = Int32(k) }
        var lists = [[Int32]](repeating: [], count: live.count)
        for (k, peer) in live.enumerated() {
            for neighbour in simulation.peers[peer].linkedNeighbours {
                guard let index = simulation.indexOf[neighbour] else { continue }
                let other = position[Int(index) - simulation.seedCount]
                guard other >= 0, other != Int32(k) else { continue }
                lists[k].append(other)
                lists[Int(other)].append(Int32(k))
            }
        }
        adjacency = lists.map(Self.sortedUnique)
    }

    /// Builds an overlay from explicit edges (for tests).
    public init(nodeCount: Int, edges: [(Int, Int)]) {
        var lists = [[Int32]](repeating: [], count: nodeCount)
        for (a, b) in edges where a != b {
            lists[a].append(Int32(b))
            lists[b].append(Int32(a))
        }
        adjacency = lists.map(Self.sortedUnique)
    }

    /// Each edge is seen from both ends: sort the neighbours and keep each once.
    private static func sortedUnique(_ list: [Int32]) -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(list.count)
        for value in list.sorted() where result.last != value { result.append(value) }
        return result
    }

    public func degrees() -> DegreeSummary {
        guard !adjacency.isEmpty else { return DegreeSummary() }
        let sorted = adjacency.map(\.count).sorted()
        var summary = DegreeSummary()
        summary.min = sorted.first!
        summary.max = sorted.last!
        summary.p50 = sorted[(sorted.count - 1) / 2]
        summary.mean = Double(sorted.reduce(0, +)) / Double(sorted.count)
        for d in sorted { summary.histogram[d, default: 0] += 1 }
        return summary
    }

    /// Distances from `source` (-1: unreachable).
    func distances(from source: Int) -> [Int32] {
        var distance = [Int32](repeating: -1, count: adjacency.count)
        var frontier = [Int32(source)]
        distance[source] = 0
        var head = 0
        while head < frontier.count {
            let node = frontier[head]
            head += 1
            for next in adjacency[Int(node)] where distance[Int(next)] < 0 {
                distance[Int(next)] = distance[Int(node)] + 1
                frontier.append(next)
            }
        }
        return distance
    }

    public func componentCount() -> Int {
        var seen = [Bool](repeating: false, count: adjacency.count)
        var components = 0
        for start in adjacency.indices where !seen[start] {
            components += 1
            var stack = [start]
            seen[start] = true
            while let node = stack.popLast() {
                for next in adjacency[node] where !seen[Int(next)] {
                    seen[Int(next)] = true
                    stack.append(Int(next))
                }
            }
        }
        return components
    }

    public var isConnected: Bool { adjacency.isEmpty || componentCount() == 1 }

    /// The largest distance between two peers of one component: exact up to 2,000 peers (a
    /// search from each), otherwise a lower bound from 16 searches (from random peers, then
    /// from the farthest peer found: the "double sweep" that is usually exact on such graphs).
    func diameter(random: inout SeededRandom) -> (value: Int, exact: Bool) {
        guard !adjacency.isEmpty else { return (0, true) }
        if adjacency.count <= 2000 {
            return (adjacency.indices.map { Int(distances(from: $0).max() ?? 0) }.max() ?? 0, true)
        }
        var best = 0
        var source = Int.random(in: 0..<adjacency.count, using: &random)
        for round in 0..<16 {
            let d = distances(from: source)
            var far = source
            for (k, v) in d.enumerated() where v > d[far] { far = k }
            best = max(best, Int(d[far]))
            source = round % 2 == 0 ? far : Int.random(in: 0..<adjacency.count, using: &random)
        }
        return (best, false)
    }
}
