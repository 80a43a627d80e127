/// What a node does about lines it cannot take, besides answering each with `Error:`
/// (docs/PROTOCOL.md, "Errors"). Seeds and peers hold one each and follow the same rules:
///
/// - **The log is rate-limited per source host.** The first `logBurst` errors from one IP in
///   each `interval` are logged in full; the rest are counted, and when the period ends one
///   line says how many were left out (`ErrorLogLimiter`). Hosts, not connections: one client
///   opening many connections is one source.
/// - **A connection that sends nothing but errors is closed.** At its `closeAfter`-th refused
///   line within one period, it is told so in a last `Error:` and closed. An honest node sends
///   a stray bad line now and then, never 16 within 10 s; a flood of garbage (the burst attack
///   of issue 11: 250 connections of 32,768 `x` lines each) costs each connection 16 answers
///   instead of 32,768, which bounds the answers queued for a sender that never reads, and the
///   CPU spent on it. Like any closed connection, the sender may connect again.
///
/// Logging never changes what a node does: the log limiter is only consulted when logging is
/// on; the closing rule counts always.
public struct BadInput: Sendable {
    /// Refused lines within one period after which a connection is closed.
    public var closeAfter: Int
    var log: ErrorLogLimiter<NodeAddress.Host>
    /// Refused lines per connection in the current period.
    var strikes: ErrorLogLimiter<ConnectionID>

    public init(logBurst: Int = 10, closeAfter: Int = 16, interval: Duration = .seconds(10)) {
        precondition(closeAfter >= 1, "a connection is closed after one refused line at the earliest")
        self.closeAfter = closeAfter
        log = ErrorLogLimiter(burst: logBurst, interval: interval)
        // Past 1,024 erring connections in a period, the rest share one count: under such a
        // flood they are closed sooner, never later.
        strikes = ErrorLogLimiter(burst: closeAfter - 1, interval: interval, maxSources: 1024)
    }

    public var interval: Duration { log.interval }

    /// Counts a refused line on `id`: true when the connection is to be closed now.
    mutating func strike(_ id: ConnectionID, now: Instant) -> Bool {
        let close = !strikes.admit(id, now: now)
        _ = strikes.summaries(now: now)  // Only the counts matter here; nothing is logged of them.
        return close
    }

    /// Counts an error from `host` for the log: true when it is to be logged in full.
    mutating func logInFull(_ host: NodeAddress.Host, now: Instant) -> Bool {
        log.admit(host.unmapped, now: now)
    }

    /// The log lines for the periods that have ended with errors left out, if any are due.
    /// Cheap when none are: one comparison.
    @inline(__always)
    mutating func summaries(now: Instant, into actions: inout [Action]) {
        guard let due = log.summaryDue, now >= due else { return }
        for summary in log.summaries(now: now) {
            let source = summary.source.map { "\($0)" } ?? "other sources (more than \(log.maxSources) in that period)"
            actions.append(
                .log(.errorsSuppressed(count: summary.suppressed, source: source, burst: log.burst, interval: log.interval)))
        }
    }

    /// The last answer on a connection closed by `strike`.
    /// Refuses one line: `Error:` back, the log entry if any, and, when this connection has
    /// now sent nothing but refused lines for a while, the closing error and the close. Returns
    /// the reason to hand the instance's own connection-ended bookkeeping, nil if it stays open.
    /// (Seed and peer share this; each then forgets the connection in its own way.)
    mutating func refuse(
        _ reply: String, log entry: NodeEvent?, on id: ConnectionID, now: Now, closing: Bool, _ actions: inout [Action]
    ) -> String? {
        if let entry { actions.append(.log(entry)) }
        actions.append(.send(id, .error(reply)))
        guard !closing, strike(id, now: now.instant) else { return nil }
        actions.append(.send(id, .error(closingReason)))
        actions.append(.close(id))
        return "closed: \(closeAfter) lines refused within \(interval.secondsText)"
    }

    var closingReason: String {
        "\(closeAfter) lines refused within \(interval.secondsText); closing the connection"
    }
}
