/// The exact record of which gossip messages a peer has taken, in bounded memory: per origin,
/// per incarnation of that origin, which `Msg#`s were seen (`SequenceWindow`).
///
/// Nothing is ever evicted in a way that lets a message back in: whatever is forgotten is
/// replaced by a timestamp floor below which messages are refused (docs/PROTOCOL.md, "Message
/// log"). Refusing is the safe side: a refused message is one this peer does not deliver, never
/// one it delivers twice.
///
/// **Incarnations.** A peer restarted on the same address counts its `Msg#` from 1 again, with
/// later timestamps. Within one run, a higher `Msg#` never has an earlier timestamp. So the
/// timestamps of an origin are cut into ranges, one per run seen: a message goes to the range
/// its timestamp falls in. A message that cannot belong to the run of its range (a `Msg#` seen
/// there already, but a timestamp later than all of that run's, or a `Msg#` at least as high
/// as the lowest seen but a timestamp earlier than all) starts a new range, cut where no
/// message seen so far lies: what was marked stays in its range, so a duplicate always meets
/// its first copy. At most `maxIncarnations` ranges are kept per origin; past that the
/// oldest is dropped and the origin's floor rises to the start of the next one.
///
/// **Origins.** At most `maxOrigins` are kept. Past that, the origin recorded first is
/// forgotten and `unknownFloor` rises past its newest timestamp: an origin with no record is
/// refused any message not newer than that. Records whose newest message has become stale
/// (older than the retention) are dropped for free: their messages are refused as stale.
struct SeenMessages: Sendable {
    static let maxIncarnations = 4
    let maxOrigins: Int

    /// One run of an origin: the timestamps `start..<` the next run's `start`.
    struct Incarnation: Sendable, Equatable {
        var start: Int64
        /// The earliest and latest timestamps, lowest and highest `Msg#` seen in it.
        var first: Int64
        var last: Int64
        var low: Int
        var top: Int
        var window = SequenceWindow()

        init(start: Int64, timestamp: Int64, sequence: Int) {
            self.start = start
            first = timestamp
            last = timestamp
            low = sequence
            top = sequence
            _ = window.mark(sequence)
        }
    }

    struct Record: Sendable {
        var incarnations: [Incarnation]
        /// Messages with earlier timestamps are refused (dropped runs, or a forgotten origin).
        var floor: Int64
        var serial: Int
        /// The latest timestamp seen from this origin (runs are in time order).
        var newest: Int64 { incarnations[incarnations.count - 1].last }
    }

    enum Verdict: Equatable {
        case new
        case seen
        /// Older than this record can tell apart from what it has seen.
        case belowFloor
    }

    private var positions: [NodeAddress: Int] = [:]
    private var records: [Record] = []
    private var origins: [NodeAddress] = []
    /// Origins in the order they were recorded, with their serials (a stale pair is skipped).
    private var order: [(NodeAddress, Int)] = []
    private var orderHead = 0
    private var nextSerial = 0
    /// An origin with no record is refused messages with timestamps below this.
    private(set) var unknownFloor = Int64.min
    /// The last origin looked up: a relaying peer sees runs of one origin's messages.
    private var cached: (origin: NodeAddress, position: Int)?

    init(maxOrigins: Int) {
        precondition(maxOrigins > 0)
        self.maxOrigins = maxOrigins
    }

    var originCount: Int { records.count }

    private mutating func position(of origin: NodeAddress) -> Int? {
        if let cached, cached.origin == origin { return cached.position }
        guard let position = positions[origin] else { return nil }
        cached = (origin, position)
        return position
    }

    /// Records message (`origin`, `timestamp` ms, `sequence`) as seen; says whether it is new.
    mutating func insert(origin: NodeAddress, timestamp: Int64, sequence: Int) -> Verdict {
        guard let position = position(of: origin) else {
            guard timestamp >= unknownFloor else { return .belowFloor }
            if records.count >= maxOrigins { forgetOldestOrigin() }
            positions[origin] = records.count
            cached = (origin, records.count)
            records.append(
                Record(
                    incarnations: [Incarnation(start: .min, timestamp: timestamp, sequence: sequence)], floor: unknownFloor,
                    serial: nextSerial))
            origins.append(origin)
            order.append((origin, nextSerial))
            nextSerial += 1
            return .new
        }
        return records[position].insert(timestamp: timestamp, sequence: sequence)
    }

    func contains(origin: NodeAddress, timestamp: Int64, sequence: Int) -> Bool {
        guard let position = positions[origin] else { return timestamp < unknownFloor }
        return records[position].contains(timestamp: timestamp, sequence: sequence)
    }

    /// Drops the records whose every message is older than `staleBefore` (they are refused
    /// as stale anyway; `staleBefore` never goes back).
    mutating func prune(staleBefore: Int64) {
        var position = 0
        while position < records.count {
            if records[position].newest < staleBefore { remove(at: position) } else { position += 1 }
        }
        // Keep the arrival order free of the pruned.
        order = order[orderHead...].filter { origin, serial in positions[origin].map { records[$0].serial } == serial }
        orderHead = 0
    }

    private mutating func forgetOldestOrigin() {
        while orderHead < order.count {
            let (origin, serial) = order[orderHead]
            orderHead += 1
            guard let position = positions[origin], records[position].serial == serial else { continue }
            unknownFloor = max(unknownFloor, records[position].newest + 1)
            remove(at: position)
            break
        }
        if orderHead > 1024, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }

    private mutating func remove(at position: Int) {
        positions[origins[position]] = nil
        let last = records.count - 1
        if position < last {
            records.swapAt(position, last)
            origins.swapAt(position, last)
            positions[origins[position]] = position
        }
        records.removeLast()
        origins.removeLast()
        cached = nil
    }
}

extension SeenMessages.Record {
    /// The run whose timestamp range holds `timestamp` (runs are in time order, few).
    private func range(of timestamp: Int64) -> Int? {
        var index = incarnations.count - 1
        while index >= 0 {
            if incarnations[index].start <= timestamp { return index }
            index -= 1
        }
        return nil
    }

    mutating func insert(timestamp: Int64, sequence: Int) -> SeenMessages.Verdict {
        guard timestamp >= floor, let index = range(of: timestamp) else { return .belowFloor }
        let run = incarnations[index]
        let made: Int
        if timestamp > run.last && sequence <= run.top {
            // Later than all of its range's run, with a Msg# that run has passed: a new run
            // (the origin restarted), its range cut at this timestamp: nothing marked lies there.
            incarnations.insert(
                SeenMessages.Incarnation(start: timestamp, timestamp: timestamp, sequence: sequence), at: index + 1)
            made = index + 1
        } else if timestamp < run.first && sequence >= run.low {
            // Earlier than all of its range's run, with a Msg# not below it: an earlier run.
            // The range is cut at that run's first timestamp: nothing marked lies before it.
            incarnations[index].start = run.first
            incarnations.insert(
                SeenMessages.Incarnation(start: run.start, timestamp: timestamp, sequence: sequence), at: index)
            made = index
        } else {
            guard incarnations[index].window.mark(sequence) else { return .seen }
            incarnations[index].first = min(run.first, timestamp)
            incarnations[index].last = max(run.last, timestamp)
            incarnations[index].low = min(run.low, sequence)
            incarnations[index].top = max(run.top, sequence)
            return .new
        }
        if incarnations.count > SeenMessages.maxIncarnations {
            incarnations.removeFirst()
            floor = incarnations[0].start
            if made == 0 { return .belowFloor }  // The new run was the oldest: refused.
        }
        return .new
    }

    func contains(timestamp: Int64, sequence: Int) -> Bool {
        guard timestamp >= floor, let index = range(of: timestamp) else { return true }
        let run = incarnations[index]
        if timestamp > run.last && sequence <= run.top { return false }
        if timestamp < run.first && sequence >= run.low { return false }
        return run.window.contains(sequence)
    }
}
