/// Keeps a refusal repeated many times from filling the log: the first of its kind from one
/// source in an interval is logged in full, the rest are only counted, and the count is
/// logged when the interval is over. A flood of a million refused connections costs a few
/// lines per source per interval, not a million.
///
/// At most `maxKeys` kinds are tracked in one interval (an outsider can change its source
/// address); past that, refusals are counted under one overflow key.
public struct RefusalSummary: Sendable {
    public let interval: Duration
    public let maxKeys: Int
    /// Refusals counted and not logged, per kind, in the current interval.
    private var suppressed: [String: Int] = [:]
    /// The kinds logged in full in the current interval.
    private var seen: Set<String> = []
    /// When the current interval ends (nil: nothing refused lately).
    public private(set) var intervalEnd: Instant?

    /// The key under which refusals past `maxKeys` kinds are counted.
    public static let overflowKey = "other sources"

    public init(interval: Duration, maxKeys: Int = 1024) {
        self.interval = interval
        self.maxKeys = maxKeys
    }

    /// Notes one refusal of `key`; true when it is to be logged in full (the first of its
    /// kind in the interval), false when it is only counted.
    public mutating func note(_ key: String, now: Instant) -> Bool {
        if intervalEnd == nil { intervalEnd = now + interval }
        if seen.contains(key) {
            suppressed[key, default: 0] += 1
            return false
        }
        if seen.count >= maxKeys {
            suppressed[Self.overflowKey, default: 0] += 1
            return false
        }
        seen.insert(key)
        return true
    }

    /// At the end of the interval: what was counted and not logged, sorted by kind, and a new
    /// interval begins. Empty before then.
    public mutating func due(now: Instant) -> [(key: String, count: Int)] {
        guard let end = intervalEnd, now >= end else { return [] }
        let counts = suppressed.sorted { $0.key < $1.key }.map { (key: $0.key, count: $0.value) }
        suppressed = [:]
        seen = []
        intervalEnd = nil
        return counts
    }
}
