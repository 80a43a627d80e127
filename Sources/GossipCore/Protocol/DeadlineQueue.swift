/// Connections with a deadline, in deadline order: a FIFO, because every deadline is the same
/// span after the moment it was set, so each new one is the latest. Setting, taking the due
/// and reading the next are O(1) (amortised); an entry whose connection has moved on is
/// simply skipped by whoever takes it. Its length is bounded by the connections opened within
/// one span.
struct DeadlineQueue: Sendable {
    private var entries: [(at: Instant, id: ConnectionID)] = []
    private var head = 0

    var isEmpty: Bool { head == entries.count }

    /// The earliest deadline, if any.
    var next: Instant? { isEmpty ? nil : entries[head].at }

    mutating func append(_ id: ConnectionID, at deadline: Instant) {
        entries.append((deadline, id))
    }

    /// Removes and returns the connections whose deadline is at or before `now`, earliest first.
    mutating func popDue(now: Instant) -> [ConnectionID] {
        var due: [ConnectionID] = []
        while head < entries.count, entries[head].at <= now {
            due.append(entries[head].id)
            head += 1
        }
        if head == entries.count {
            entries.removeAll(keepingCapacity: entries.count <= 1024)
            head = 0
        } else if head > 1024, head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return due
    }
}
