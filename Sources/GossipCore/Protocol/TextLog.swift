/// The peer's record of the text messages it has taken: exact deduplication in bounded memory,
/// by the same rules and the same record as gossip messages (`SeenMessages`: per origin, per
/// run of that origin, a `SequenceWindow` of the `seq`s seen), in a sequence space of its own.
///
/// Unlike `MessageLog` it keeps no ring of recent texts: a text is flooded once, to the links
/// up when it is sent; a peer that links later is not sent the texts of before (the catch-up
/// carries gossip messages only).
public struct TextLog: Sendable {
    public let retention: Duration
    public let maxClockSkew: Duration
    private var seen: SeenMessages
    /// `now - retention`, never moving back (as in `MessageLog`).
    private var staleBefore = Int64.min
    /// Texts taken so far, own ones included.
    public private(set) var inserted = 0

    public init(retention: Duration = .seconds(600), maxClockSkew: Duration = .seconds(30), maxOrigins: Int = 16_384) {
        self.retention = retention
        self.maxClockSkew = maxClockSkew
        seen = SeenMessages(maxOrigins: maxOrigins)
    }

    /// Origins with a record (at most `maxOrigins`).
    public var originCount: Int { seen.originCount }

    /// Records `message` if it is new; the outcomes mean what they mean for gossip messages.
    public mutating func insert(_ message: TextMessage, now: Now) -> MessageLog.Outcome {
        let timestamp = message.timestamp.milliseconds
        let cutoff = now.wall.milliseconds - retention.wholeMilliseconds
        if cutoff > staleBefore { staleBefore = cutoff }
        if timestamp < staleBefore { return .stale }
        if timestamp > now.wall.milliseconds + maxClockSkew.wholeMilliseconds { return .future }
        switch seen.insert(origin: message.origin, timestamp: timestamp, sequence: message.sequence) {
        case .seen: return .duplicate
        case .belowFloor: return .stale
        case .new:
            inserted += 1
            return .new
        }
    }

    /// Forgets the origins whose every text is stale (their texts are refused as stale anyway).
    public mutating func expire(now: Now) {
        let cutoff = now.wall.milliseconds - retention.wholeMilliseconds
        if cutoff > staleBefore { staleBefore = cutoff }
        seen.prune(staleBefore: staleBefore)
    }
}
