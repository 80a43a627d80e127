/// Connections that must do something within a fixed time (identify themselves, answer a
/// probe), and when each one's time is up.
///
/// Every deadline is "now + timeout" at the moment it is set, so deadlines are set in time
/// order: a FIFO queue is a priority queue here, and expiring one costs O(1), with no scan of
/// the connections however many an outsider opens. A deadline moved later (a served query)
/// keeps its place in the queue; when that entry comes up early it is queued again with the
/// new deadline, so such a connection is closed at most one timeout after its real deadline,
/// and each connection is in the queue at most once.
public struct ConnectionDeadlines: Sendable {
    public let timeout: Duration
    /// The deadline of each watched connection.
    private var deadlines: [ConnectionID: Instant] = [:]
    /// How many entries each connection has in `queue` (a connection forgotten and watched
    /// again before its old entry came up has two; never more).
    private var entries: [ConnectionID: Int] = [:]
    /// Entries in the order they were queued (which is deadline order, but for moved ones).
    private var queue: [(id: ConnectionID, at: Instant)] = []
    private var head = 0

    public init(timeout: Duration) { self.timeout = timeout }

    /// How many connections are watched.
    public var count: Int { deadlines.count }

    public func isWatched(_ id: ConnectionID) -> Bool { deadlines[id] != nil }

    /// The deadline of a watched connection.
    public func deadline(of id: ConnectionID) -> Instant? { deadlines[id] }

    /// Watches `id` from now on: its time is up at `now + timeout` (moved later if it was
    /// watched already).
    public mutating func watch(_ id: ConnectionID, now: Instant) {
        let at = now + timeout
        deadlines[id] = max(at, deadlines[id] ?? at)
        if entries[id] == nil { enqueue(id, at: at) }
    }

    /// Moves a watched connection's deadline to `now + timeout`; nothing for one not watched.
    public mutating func extend(_ id: ConnectionID, now: Instant) {
        guard deadlines[id] != nil else { return }
        watch(id, now: now)
    }

    /// Stops watching `id` (it identified itself, or closed). Its queue entry, if any, is
    /// skipped when it comes up.
    public mutating func forget(_ id: ConnectionID) {
        deadlines[id] = nil
    }

    /// When the first entry comes up: the time to be woken (nil: nothing is watched).
    public var nextWake: Instant? { head < queue.count ? queue[head].at : nil }

    /// The watched connections whose time is up by `now`, in deadline order; they are no
    /// longer watched.
    public mutating func popExpired(now: Instant) -> [ConnectionID] {
        var expired: [ConnectionID] = []
        while head < queue.count, queue[head].at <= now {
            let id = queue[head].id
            head += 1
            let left = (entries[id] ?? 1) - 1
            entries[id] = left > 0 ? left : nil
            guard let deadline = deadlines[id] else { continue }
            if deadline <= now {
                deadlines[id] = nil
                expired.append(id)
            } else if left == 0 {
                enqueue(id, at: deadline)
            }
        }
        // Compact once the consumed part is the larger half: amortised O(1) per entry.
        if head > 64, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        return expired
    }

    private mutating func enqueue(_ id: ConnectionID, at: Instant) {
        entries[id, default: 0] += 1
        queue.append((id, at))
    }
}
