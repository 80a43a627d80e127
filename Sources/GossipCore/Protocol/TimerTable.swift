/// The armed timers of one instance, as every shell keeps them: the real `EventLoop` and the
/// simulator share this one contract instead of each writing its own (foca's timer tokens,
/// quinn's fixed timer table fired in a fixed order; `../shared/STYLE.md`).
///
/// - At most one deadline per ID is armed. Scheduling again replaces it, so a superseded
///   deadline can never fire (`Action.schedule`); `cancel` disarms.
/// - Each arming gets a fresh `Token` (a counter, never reused). A shell that queues wake-ups
///   somewhere else, like the simulator's agenda, keeps the token with the wake-up and asks
///   `fire(_:token:)` when it comes: a wake-up of a replaced or cancelled arming is stale and
///   is ignored, whatever its deadline (two armings may share one).
/// - `popDue(now:)` takes the earliest due timer, ties on equal deadlines broken by arming
///   order (earlier arming first), so the order timers fire in is a function of what the
///   instance asked, never of a hash seed (`Dictionary` order changes from process to process).
///
/// An instance has a handful of timers, so the entries are a small array scanned linearly;
/// nothing here depends on how many cases `ID` has. After the first armings, scheduling,
/// cancelling and popping never allocate (entries are replaced in place or swap-removed), so
/// a shell can use the table on every turn of its busiest path. Everything is `@inlinable`: the
/// shell lives in another module, and unspecialised, every comparison of IDs went through
/// `Hashable`'s witness table and the runtime's generic metadata lookups (a sixth of an idle
/// peer's instructions, docs/PERFORMANCE.md, "Idle CPU").
public struct TimerTable<ID: Hashable> {
    /// One arming of a timer; compare it with the table's to tell a stale wake-up.
    public struct Token: Hashable, Sendable, Comparable {
        public let value: UInt64
        @inlinable init(value: UInt64) { self.value = value }
        @inlinable public static func < (a: Token, b: Token) -> Bool { a.value < b.value }
    }

    @usableFromInline struct Entry {
        @usableFromInline var id: ID
        @usableFromInline var deadline: Instant
        @usableFromInline var token: Token

        @inlinable init(id: ID, deadline: Instant, token: Token) {
            self.id = id
            self.deadline = deadline
            self.token = token
        }
    }

    /// The armed timers, in no particular order (the token gives the arming order).
    @usableFromInline var entries: [Entry] = []
    @usableFromInline var armings: UInt64 = 0

    @inlinable public init() {}

    /// True when no timer is armed.
    @inlinable
    public var isEmpty: Bool { entries.isEmpty }

    /// Arms `id` for `deadline`, replacing any earlier arming of it; returns the new arming's
    /// token.
    @inlinable @discardableResult
    public mutating func schedule(_ id: ID, at deadline: Instant) -> Token {
        armings += 1
        let token = Token(value: armings)
        if let index = index(of: id) {
            entries[index].deadline = deadline
            entries[index].token = token
        } else {
            entries.append(Entry(id: id, deadline: deadline, token: token))
        }
        return token
    }

    /// Disarms `id`: it will not fire until scheduled again.
    @inlinable
    public mutating func cancel(_ id: ID) {
        if let index = index(of: id) { remove(at: index) }
    }

    /// The armed deadline of `id`, if any.
    @inlinable
    public func deadline(of id: ID) -> Instant? {
        index(of: id).map { entries[$0].deadline }
    }

    /// True when `token` is the arming of `id` still in force (not replaced, cancelled or fired).
    @inlinable
    public func isCurrent(_ id: ID, token: Token) -> Bool {
        guard let index = index(of: id) else { return false }
        return entries[index].token == token
    }

    /// A wake-up for `id`'s arming `token` came: disarms the timer and returns true if that
    /// arming is still in force, or returns false (and changes nothing) for a stale wake-up.
    @inlinable
    public mutating func fire(_ id: ID, token: Token) -> Bool {
        guard let index = index(of: id), entries[index].token == token else { return false }
        remove(at: index)
        return true
    }

    /// The earliest armed deadline: how long the shell may wait.
    @inlinable
    public var nextDeadline: Instant? {
        earliest().map { entries[$0].deadline }
    }

    /// Disarms and returns the earliest timer due at `now` (deadline at or before it), the
    /// earlier arming first among equal deadlines; nil when none is due. A shell calls it again
    /// after handling each timer, since the handler may cancel or move the others.
    @inlinable
    public mutating func popDue(now: Instant) -> ID? {
        guard let index = earliest(), entries[index].deadline <= now else { return nil }
        let id = entries[index].id
        remove(at: index)
        return id
    }

    @inlinable func index(of id: ID) -> Int? {
        for index in entries.indices where entries[index].id == id { return index }
        return nil
    }

    /// The entry that fires first: the smallest (deadline, token).
    @inlinable func earliest() -> Int? {
        var best: Int?
        for index in entries.indices {
            guard let b = best else {
                best = index
                continue
            }
            let e = entries[index]
            if e.deadline < entries[b].deadline || (e.deadline == entries[b].deadline && e.token < entries[b].token) {
                best = index
            }
        }
        return best
    }

    /// Order does not matter (tokens keep the arming order), so remove by swapping with the last.
    @inlinable mutating func remove(at index: Int) {
        entries.swapAt(index, entries.count - 1)
        entries.removeLast()
    }
}

extension TimerTable: Sendable where ID: Sendable {}
extension TimerTable.Entry: Sendable where ID: Sendable {}
