/// The peer's record of the gossip messages it has seen: a hash set keyed by the exact
/// message text, so two different messages can never be taken for one (Swift's `Set` compares
/// the full text on a hash match), with bounded memory.
///
/// Bound: at most `capacity` messages, each kept for at most `retention`; the oldest goes
/// first. A message whose own timestamp is older than `retention` is refused as stale, so an
/// evicted message cannot come round again and be taken for new.
public struct MessageLog: Sendable {
    public let capacity: Int
    public let retention: Duration

    private var seen: Set<String> = []
    /// Arrival order, oldest first, from `head`: a queue in an array.
    private var entries: [Entry] = []
    private var head = 0

    struct Entry: Sendable {
        var message: GossipMessage
        var arrival: Instant
    }

    public init(capacity: Int = 65_536, retention: Duration = .seconds(600)) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.retention = retention
    }

    public var count: Int { seen.count }

    public func contains(_ message: GossipMessage) -> Bool { seen.contains(message.text) }

    /// What happened to a message offered to the log.
    public enum Outcome: Equatable, Sendable {
        case new
        case duplicate
        case stale
    }

    /// Records `message` if it is new; evicts what is past the bound.
    ///
    /// Expiry by age is left to `expire(now:)`, which the peer calls once per liveness check:
    /// doing it here too would touch the oldest entry on every message, duplicates included.
    public mutating func insert(_ message: GossipMessage, now: Now) -> Outcome {
        // Stale first: a message older than the retention is refused whether or not its entry
        // has been expired yet, so the answer does not depend on when expiry last ran.
        if message.timestamp.milliseconds < now.wall.milliseconds - retention.wholeMilliseconds { return .stale }
        guard seen.insert(message.text).inserted else { return .duplicate }
        entries.append(Entry(message: message, arrival: now.instant))
        if seen.count > capacity { removeOldest() }
        return .new
    }

    /// The most recent messages, oldest first, at most `limit`: what a new neighbour is sent.
    public func recent(limit: Int) -> [GossipMessage] {
        let start = max(head, entries.count - limit)
        return entries[start...].map(\.message)
    }

    /// Drops the messages that arrived more than `retention` ago.
    public mutating func expire(now: Instant) {
        while head < entries.count, now - entries[head].arrival > retention { removeOldest() }
    }

    private mutating func removeOldest() {
        seen.remove(entries[head].message.text)
        head += 1
        if head >= 1024 && head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }
}
