/// The nonces of the hellos a node took lately, so that a recorded hello cannot be played to
/// it again (`Authenticated`).
///
/// A hello is only taken while its timestamp is within the clock-skew bound of the node's
/// clock; once that window has passed for a nonce, the timestamp check refuses its replay, and
/// the nonce is forgotten. Bounded: only hellos with a valid code get in (an outsider cannot
/// fill it), and when `capacity` hellos were taken within one window, the next are refused
/// (`full`) rather than any nonce forgotten early, which would let its replay in.
struct NonceCache: Sendable {
    let capacity: Int
    private var seen: Set<Nonce> = []
    /// Nonces with the wall-clock time after which their hello is refused as stale anyway, in
    /// the order they came (entries before `head` are gone).
    private var order: [(nonce: Nonce, forgetAfter: Timestamp)] = []
    private var head = 0

    init(capacity: Int) { self.capacity = capacity }

    enum Outcome: Equatable { case fresh, replay, full }

    var count: Int { seen.count }

    /// Records `nonce`, to be remembered until the wall clock passes `forgetAfter`.
    mutating func insert(_ nonce: Nonce, forgetAfter: Timestamp, now: Timestamp) -> Outcome {
        forget(before: now)
        if seen.contains(nonce) { return .replay }
        guard seen.count < capacity else { return .full }
        seen.insert(nonce)
        order.append((nonce, forgetAfter))
        return .fresh
    }

    /// Forgets the nonces whose window has passed. Entries leave in arrival order, so one that
    /// came later but expires sooner stays a little longer than needed (never less).
    private mutating func forget(before now: Timestamp) {
        while head < order.count, order[head].forgetAfter < now {
            seen.remove(order[head].nonce)
            head += 1
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
