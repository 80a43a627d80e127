/// Liveness of one neighbour, counted the way the specification says: a neighbour is dead after
/// `missLimit` consecutive liveness requests without a reply.
///
/// A request is sent every liveness interval; it counts as missed if no reply has come when its
/// reply time-out ends (a fraction of the interval, so a death is noticed that much sooner than
/// by waiting for the next request). Any reply resets the count: a late reply still proves the
/// neighbour is alive. While the link is down no request can be sent; such a request counts as
/// unanswered all the same.
public struct Liveness: Equatable, Sendable {
    public let missLimit: Int
    public private(set) var misses = 0
    public private(set) var awaitingReply = false

    public init(missLimit: Int) {
        precondition(missLimit >= 1)
        self.missLimit = missLimit
    }

    /// A request went out (or would have, had the link been up).
    public mutating func requestSent() {
        awaitingReply = true
    }

    /// The reply time-out of the last request ended: counts it if unanswered. True when the
    /// neighbour has now missed `missLimit` requests in a row: it is dead.
    public mutating func replyTimeoutElapsed() -> Bool {
        if awaitingReply {
            misses += 1
            awaitingReply = false
        }
        return misses >= missLimit
    }

    /// Forget what was missed: the misses were this node's own trouble (it was paused, or cut
    /// off), not the neighbour's.
    public mutating func forgive() {
        misses = 0
        awaitingReply = false
    }

    public mutating func replyReceived() {
        misses = 0
        awaitingReply = false
    }
}
