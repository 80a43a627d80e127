import Glibc
import GossipCore
import GossipOptions

/// Everything a simulated run depends on. The same settings give the same run.
public struct SimulationSettings: Sendable, Equatable {
    public var seeds = 10
    public var peers = 100
    /// One message each from this many distinct random peers; peers are otherwise quiet.
    public var broadcasts = 10
    /// When the first broadcast is made (they follow 100 ms apart); nil: 2 s after the last join.
    public var broadcastAt: Duration?
    /// Peer timing options, as `peer` takes them (`--messages` is ignored: peers are quiet).
    public var timing = PeerTiming()
    public var rngSeed: UInt64 = 1
    public var latency = LatencyModel.fixed(.milliseconds(1))
    /// Probability that a TCP segment is lost (it then arrives after retransmission time-outs).
    public var loss = 0.0
    public var crashes: [Crash] = []
    public var partitions: [Partition] = []
    /// Peers join spread evenly over this long (zero: all at once).
    public var joinOver: Duration = .zero
    /// Virtual time limit; nil: long enough for every broadcast, crash and partition to play out.
    public var until: Duration?

    public init() {}

    /// `count` random live peers crash (their process dies: the kernel closes their connections).
    public struct Crash: Sendable, Equatable {
        public var count: Int
        public var at: Duration
        public init(count: Int, at: Duration) {
            self.count = count
            self.at = at
        }
    }

    /// A fraction of peers is cut off from everyone else between `from` and `to`.
    public struct Partition: Sendable, Equatable {
        public enum Direction: String, Sendable, Equatable {
            /// Nothing crosses the cut.
            case both
            /// The cut-off peers' segments do not get out; segments to them get in.
            case outbound = "out"
            /// Segments to the cut-off peers do not get in; theirs get out.
            case inbound = "in"
        }
        public var fraction: Double
        public var from: Duration
        public var to: Duration
        public var direction: Direction
        public init(fraction: Double, from: Duration, to: Duration, direction: Direction = .both) {
            self.fraction = fraction
            self.from = from
            self.to = to
            self.direction = direction
        }
    }

    /// The peer settings every simulated peer runs with.
    func peerSettings(address: NodeAddress, seeds: [NodeAddress]) -> PeerSettings {
        var settings = PeerSettings(address: address, seeds: seeds)
        timing.apply(to: &settings)
        settings.messageCount = 0
        return settings
    }

    /// A seed paced by the peers' liveness interval, as `cluster` starts them.
    func seedSettings(address: NodeAddress) -> SeedSettings {
        var settings = SeedSettings(address: address)
        if let interval = timing.livenessInterval { settings.livenessInterval = interval }
        return settings
    }

    var effectiveBroadcastAt: Duration { broadcastAt ?? joinOver + .seconds(2) }

    /// The default time limit: the last scripted event plus 5 s, plus time for what can
    /// happen after it. With crashes, partitions or loss, that is the time a crash takes to be
    /// detected (`liveness × (misses + 1)`); without, one liveness interval, so every peer has
    /// checked its neighbours at least once.
    var effectiveUntil: Duration {
        if let until { return until }
        let probe = peerSettings(address: NodeAddress(host: .loopback, port: 1), seeds: [])
        var last = effectiveBroadcastAt + .milliseconds(100) * broadcasts
        for crash in crashes { last = max(last, crash.at) }
        for partition in partitions { last = max(last, partition.to) }
        let faults = !crashes.isEmpty || !partitions.isEmpty || loss > 0
        return last + .seconds(5) + probe.livenessInterval * (faults ? probe.livenessMisses + 1 : 1)
    }
}

/// One-way latency of a segment.
public enum LatencyModel: Sendable, Equatable, CustomStringConvertible {
    case fixed(Duration)
    /// Exponentially distributed with this mean (TCP still delivers in order).
    case exponential(mean: Duration)
    /// Uniform between the two bounds.
    case uniform(Duration, Duration)

    func sample(using rng: inout SeededRandom) -> Int64 {
        switch self {
        case .fixed(let d): return d.wholeNanoseconds
        case .exponential(let mean):
            let u = Double(rng.next() >> 11) / Double(1 << 53)
            return Int64(-Double(mean.wholeNanoseconds) * log(1 - u))
        case .uniform(let low, let high):
            let lo = low.wholeNanoseconds
            let hi = high.wholeNanoseconds
            return hi <= lo ? lo : Int64.random(in: lo...hi, using: &rng)
        }
    }

    var mean: Duration {
        switch self {
        case .fixed(let d): return d
        case .exponential(let mean): return mean
        case .uniform(let low, let high): return (low + high) / 2
        }
    }

    public var description: String {
        switch self {
        case .fixed(let d): return DurationText.format(d)
        case .exponential(let mean): return "exp:" + DurationText.format(mean)
        case .uniform(let a, let b): return "uniform:\(DurationText.format(a))-\(DurationText.format(b))"
        }
    }

    /// `5ms` (fixed), `exp:5ms` (exponential with that mean), `uniform:1ms-9ms`.
    public init?(parsing text: String) {
        if text.hasPrefix("exp:") {
            guard let mean = DurationText.parse(String(text.dropFirst(4))) else { return nil }
            self = .exponential(mean: mean)
        } else if text.hasPrefix("uniform:") {
            let bounds = text.dropFirst(8).split(separator: "-", maxSplits: 1)
            guard bounds.count == 2, let a = DurationText.parse(String(bounds[0])), let b = DurationText.parse(String(bounds[1])),
                a <= b
            else { return nil }
            self = .uniform(a, b)
        } else {
            guard let d = DurationText.parse(text) else { return nil }
            self = .fixed(d)
        }
    }
}
