/// The peer's record of the gossip messages it has seen, exact and in bounded memory.
///
/// Deduplication is exact and cannot be evicted (`SeenMessages`): per origin and per run of
/// that origin, which `Msg#`s were taken. What it forgets, it replaces with a timestamp floor
/// below which messages are refused, so no message is ever delivered twice, however many
/// others come after it. Around it, the checks that make one message one text:
/// - the text is canonical (the decoder refuses any other spelling), so the numbers
///   (timestamp, origin, `Msg#`) name the message;
/// - a timestamp older than `retention` is stale, and one more than `maxClockSkew` ahead of
///   this node's clock is refused (it would otherwise sit above every floor).
///
/// Apart from that record, the log keeps the most recent `capacity` messages in a ring, in
/// arrival order: what a new neighbour is sent (`recent(limit:)`). Leaving the ring changes
/// nothing about what is a duplicate.
public struct MessageLog: Sendable {
    public let capacity: Int
    public let retention: Duration
    public let maxClockSkew: Duration
    /// The two bounds in milliseconds, as `insert` compares them (a `Duration`'s conversion
    /// costs more than the comparison, on every message).
    private let retentionMs: Int64
    private let maxClockSkewMs: Int64

    struct Entry: Sendable {
        var message: GossipMessage
        var arrival: Instant
    }

    /// Arrival order: the live entries are `ring[(head + k) % capacity]` for k in 0..<count.
    /// Grows by appending until it holds `capacity` entries, then wraps.
    private var ring: [Entry] = []
    private var head = 0
    /// Messages in the ring (the most recent ones).
    public private(set) var count = 0
    /// Messages taken so far: the ring holds those numbered `inserted - count ..< inserted`.
    public private(set) var inserted = 0
    private var seen: SeenMessages
    /// `now - retention`, never moving back: a wall clock set back must not make a message
    /// fresh again once its record was dropped as stale.
    private var staleBefore = Int64.min

    public init(
        capacity: Int = 65_536, retention: Duration = .seconds(600), maxClockSkew: Duration = .seconds(30),
        maxOrigins: Int = 16_384
    ) {
        precondition(capacity > 0 && capacity < Int(Int32.max))
        self.capacity = capacity
        self.retention = retention
        self.maxClockSkew = maxClockSkew
        retentionMs = retention.wholeMilliseconds
        maxClockSkewMs = maxClockSkew.wholeMilliseconds
        self.seen = SeenMessages(maxOrigins: maxOrigins)
    }

    /// Origins with a record (at most `maxOrigins`).
    public var originCount: Int { seen.originCount }

    /// Whether `message` has been taken (or can no longer be told from one that was).
    public func contains(_ message: GossipMessage) -> Bool {
        message.timestamp.milliseconds < staleBefore
            || seen.contains(origin: message.origin, timestamp: message.timestamp.milliseconds, sequence: message.sequence)
    }

    /// What happened to a message offered to the log.
    public enum Outcome: Equatable, Sendable {
        case new
        case duplicate
        /// Older than the retention, or than what the record can still tell apart.
        case stale
        /// Timestamped more than `maxClockSkew` ahead of this node's clock.
        case future
    }

    /// Records `message` if it is new.
    ///
    /// Expiry by age is left to `expire(now:)`, which the peer calls once per liveness check:
    /// doing it here too would touch the oldest entry on every message, duplicates included.
    public mutating func insert(_ message: GossipMessage, now: Now) -> Outcome {
        let timestamp = message.timestamp.milliseconds
        // Stale first: a message older than the retention is refused whether or not its entry
        // has been expired yet, so the answer does not depend on when expiry last ran.
        let cutoff = now.wall.milliseconds - retentionMs
        if cutoff > staleBefore { staleBefore = cutoff }
        if timestamp < staleBefore { return .stale }
        if timestamp > now.wall.milliseconds + maxClockSkewMs { return .future }
        switch seen.insert(origin: message.origin, timestamp: timestamp, sequence: message.sequence) {
        case .seen: return .duplicate
        case .belowFloor: return .stale
        case .new: break
        }
        inserted += 1
        let entry = Entry(message: message, arrival: now.instant)
        if ring.count < capacity {
            ring.append(entry)
            count += 1
        } else if count < capacity {
            ring[(head + count) % capacity] = entry
            count += 1
        } else {
            ring[head] = entry
            head = (head + 1) % capacity
        }
        return .new
    }

    /// The most recent messages, oldest first, at most `limit`: what a new neighbour is sent.
    public func recent(limit: Int) -> [GossipMessage] {
        recent(limit: limit, takenBefore: inserted)
    }

    /// The most recent messages among those taken before the `mark`-th (a value of
    /// `inserted`), oldest first, at most `limit`: the catch-up of a link that has been
    /// getting every message since `mark`.
    public func recent(limit: Int, takenBefore mark: Int) -> [GossipMessage] {
        let end = count - max(0, inserted - mark)
        guard end > 0 else { return [] }
        let take = min(limit, end)
        return (end - take..<end).map { ring[(head + $0) % capacity].message }
    }

    /// The messages numbered in `numbers` (values of `inserted` at the time each was taken)
    /// that are still in the ring, oldest first, at most `limit`, and the number to go on
    /// from: the paced catch-up of a new link. Those that left the ring meanwhile are skipped.
    public func messages(numbered numbers: Range<Int>, limit: Int) -> (messages: [GossipMessage], next: Int) {
        let oldest = inserted - count
        let from = max(numbers.lowerBound, oldest)
        let to = min(numbers.upperBound, inserted, from + max(0, limit))
        guard from < to else { return ([], max(from, numbers.lowerBound)) }
        return ((from..<to).map { ring[(head + $0 - oldest) % capacity].message }, to)
    }

    /// Drops the messages that arrived more than `retention` ago from the ring, and the records
    /// of origins whose every message is stale.
    public mutating func expire(now: Now) {
        while count > 0, now.instant - ring[head].arrival > retention {
            head = (head + 1) % capacity
            count -= 1
        }
        let cutoff = now.wall.milliseconds - retention.wholeMilliseconds
        if cutoff > staleBefore { staleBefore = cutoff }
        seen.prune(staleBefore: staleBefore)
    }
}
