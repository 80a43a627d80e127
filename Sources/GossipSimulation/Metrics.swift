import GossipCore

/// What the simulator observes while it runs: every broadcast's spread, dead reports, crash
/// detection. Observed from outside the instances (their actions and their public state), so
/// measuring changes nothing in the run.
struct Metrics {
    let peerCount: Int
    var joinedAt: [Int64]
    var crashedAt: [Int64]

    struct Tracked {
        var origin: Int
        var createdAt: Int64
        var sends = 0
        var arrivals = 0
        var lastArrival: Int64
        /// Hops of the first copy each peer got (255: none yet; 0: the origin).
        var hops: [UInt8]
        /// When each peer got its first copy (-1: none yet), for the coverage curve.
        var arrivedAt: [Int64]
        /// Which peer each peer got its first copy from (-1: none, or a seed), for the
        /// dissemination tree of `cluster report`; kept only for small networks.
        var from: [Int32]
    }

    /// Networks up to this many peers keep who sent each first copy (and report the overlay's
    /// links and a dissemination tree); larger ones would pay memory for a picture nobody draws.
    static let graphLimit = 500
    var messageIndex: [String: Int] = [:]
    var messages: [Tracked] = []

    /// Times a peer took a message it already had as new (must stay 0: exactly once).
    var duplicateDeliveries = 0
    var deadReports = 0
    var falseDeadReports = 0
    /// Times a seed dropped a peer that was alive (must stay 0: reports are checked first).
    var falseDrops = 0
    var reportedPairs: Set<Int> = []

    struct CrashRecord {
        var peer: Int
        var at: Int64
        var pendingSeeds: Set<Int>
        var listedBy: Int
        var firstDrop: Int64?
        var lastDrop: Int64?
    }
    var crashes: [CrashRecord] = []
    var crashOf: [Int: Int] = [:]

    init(peerCount: Int) {
        self.peerCount = peerCount
        joinedAt = Array(repeating: -1, count: peerCount)
        crashedAt = Array(repeating: -1, count: peerCount)
    }

    mutating func joined(peer: Int, at time: Int64) { joinedAt[peer] = time }

    /// The last message looked up: a flood sends one message many times in a row.
    private var lastLookup: (text: String, index: Int) = ("", -1)

    /// The broadcast's index, or -1 for a message not tracked.
    mutating func index(of message: GossipMessage) -> Int {
        if message.text == lastLookup.text { return lastLookup.index }
        let index = messageIndex[message.text] ?? -1
        lastLookup = (message.text, index)
        return index
    }

    func has(_ k: Int, peer: Int) -> Bool { messages[k].hops[peer] != 255 }

    mutating func created(_ message: GossipMessage, by peer: Int, at time: Int64) {
        messageIndex[message.text] = messages.count
        lastLookup = ("", -1)
        var hops = [UInt8](repeating: 255, count: peerCount)
        hops[peer] = 0
        var arrivedAt = [Int64](repeating: -1, count: peerCount)
        arrivedAt[peer] = time
        let from = [Int32](repeating: -1, count: peerCount <= Self.graphLimit ? peerCount : 0)
        messages.append(
            Tracked(origin: peer, createdAt: time, arrivals: 1, lastArrival: time, hops: hops, arrivedAt: arrivedAt, from: from))
    }

    /// Counts a copy sent by `peer`; returns the hop count that copy carries.
    mutating func sent(_ k: Int, by peer: Int) -> UInt8 {
        messages[k].sends += 1
        let hop = messages[k].hops[peer]
        return hop >= 254 ? 254 : hop + 1
    }

    /// `sender`: the peer it came from (-1 if not a peer).
    mutating func received(_ k: Int, by peer: Int, from sender: Int, hop: UInt8, at time: Int64) {
        messages[k].hops[peer] = hop
        messages[k].arrivedAt[peer] = time
        if !messages[k].from.isEmpty { messages[k].from[peer] = Int32(sender) }
        messages[k].arrivals += 1
        messages[k].lastArrival = time
    }

    /// The peer refused a message recorded as received (stale): take the record back.
    mutating func notKept(_ k: Int, by peer: Int) {
        messages[k].hops[peer] = 255
        messages[k].arrivedAt[peer] = -1
        if !messages[k].from.isEmpty { messages[k].from[peer] = -1 }
        messages[k].arrivals -= 1
    }

    mutating func deadReport(dead: Int, reporter: Int, deadIsAlive: Bool) {
        guard reportedPairs.insert(reporter &* 1_000_003 &+ dead).inserted else { return }
        deadReports += 1
        if deadIsAlive { falseDeadReports += 1 }
    }

    mutating func crashed(peer: Int, at time: Int64, listedBy seeds: [Int]) {
        crashedAt[peer] = time
        crashOf[peer] = crashes.count
        crashes.append(CrashRecord(peer: peer, at: time, pendingSeeds: Set(seeds), listedBy: seeds.count))
    }

    mutating func seedDropped(peer: Int, seed: Int, at time: Int64) {
        guard let k = crashOf[peer], crashes[k].pendingSeeds.remove(seed) != nil else { return }
        if crashes[k].firstDrop == nil { crashes[k].firstDrop = time }
        if crashes[k].pendingSeeds.isEmpty { crashes[k].lastDrop = time }
    }
}
