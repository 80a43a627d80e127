/// Liveness of one neighbour, counted the way the specification says: a neighbour is dead after
/// `missLimit` consecutive liveness requests without a reply.
///
/// A request counts as missed when the next check comes round and it is still unanswered. Any
/// reply resets the count: a late reply still proves the neighbour is alive. While the link is
/// down no request can be sent; each check then counts as a request that went unanswered.
public struct Liveness: Equatable, Sendable {
    public let missLimit: Int
    public private(set) var misses = 0
    public private(set) var awaitingReply = false

    public init(missLimit: Int) {
        precondition(missLimit >= 1)
        self.missLimit = missLimit
    }

    public enum Check: Equatable, Sendable {
        /// Send the next request.
        case sendRequest
        /// `missLimit` requests in a row went unanswered.
        case dead
    }

    /// The periodic check: counts an unanswered request, then says what to do.
    public mutating func check() -> Check {
        if awaitingReply { misses += 1 }
        if misses >= missLimit { return .dead }
        awaitingReply = true
        return .sendRequest
    }

    public mutating func replyReceived() {
        misses = 0
        awaitingReply = false
    }
}
