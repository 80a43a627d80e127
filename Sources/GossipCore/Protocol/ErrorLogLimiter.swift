/// Counts errors per source in fixed periods and says which to log in full: the first `burst`
/// from each source in a period; the rest are only counted, and `summaries(now:)` then gives
/// one line's worth per source, "N more errors from X suppressed".
///
/// Without it a sender pays 2 bytes (`x\n`) for a log line of about 80: the log grew 40 bytes
/// per byte of garbage, and a burst of 16 MiB wrote 647 MB (issue 11).
///
/// Pure: time is passed in, and periods are aligned to the clock (period `k` is
/// `[k × interval, (k+1) × interval)`), so one deadline serves every source. Bounded: at most
/// `maxSources` sources are told apart in a period; errors from the rest are counted together
/// (`Summary.source` nil). A period's table is dropped when it ends, so nothing is kept for a
/// source that went quiet.
public struct ErrorLogLimiter<Source: Hashable & Sendable>: Sendable {
    /// One source's errors left out of the log in a period that has ended.
    public struct Summary: Hashable, Sendable {
        /// Nil: sources past `maxSources`, together.
        public var source: Source?
        public var suppressed: Int
    }

    /// Errors logged in full per source per period.
    public let burst: Int
    public let interval: Duration
    /// Sources told apart per period.
    public let maxSources: Int

    private var period: Int64 = .min
    private var counts: [Source: Int] = [:]
    /// The sources of the period in the order they first erred: summaries come in this order,
    /// never a `Dictionary`'s (which changes from process to process).
    private var order: [Source] = []
    private var others = 0
    /// Summaries of periods that ended before they were asked for.
    private var ended: [Summary] = []
    /// Whether the current period left anything out (and so has a summary to give when it ends).
    private var suppressedInPeriod = false

    public init(burst: Int = 10, interval: Duration = .seconds(10), maxSources: Int = 1024) {
        precondition(burst >= 0 && interval > .zero && maxSources > 0, "an error log limit must allow a period and a source")
        self.burst = burst
        self.interval = interval
        self.maxSources = maxSources
    }

    /// When `summaries(now:)` next has something to give: the end of the current period once
    /// it has left errors out, nil while there is nothing to report. An instance compares it
    /// with the time at each event (one comparison) and asks for the summaries when it has passed.
    public private(set) var summaryDue: Instant?

    /// Counts one error from `source` at `now`. True: log it in full; false: it is counted in
    /// its source's summary instead.
    public mutating func admit(_ source: Source, now: Instant) -> Bool {
        rollOver(to: now)
        let count: Int
        if let known = counts[source] {
            count = known + 1
            counts[source] = count
        } else if counts.count < maxSources {
            count = 1
            counts[source] = 1
            order.append(source)
        } else {
            others += 1
            count = others
        }
        if count > burst && !suppressedInPeriod {
            suppressedInPeriod = true
            if ended.isEmpty { summaryDue = periodEnd }
        }
        return count <= burst
    }

    /// The summaries of every period that has ended by `now` and left errors out: per period,
    /// each source that went over its burst once, in the order the sources first erred, then
    /// the others together. Empty when nothing was left out.
    public mutating func summaries(now: Instant) -> [Summary] {
        rollOver(to: now)
        defer {
            ended.removeAll()
            summaryDue = suppressedInPeriod ? periodEnd : nil
        }
        return ended
    }

    private var periodEnd: Instant { Instant(nanoseconds: (period &+ 1) &* interval.wholeNanoseconds) }

    private mutating func rollOver(to now: Instant) {
        let current =
            now.nanoseconds >= 0
            ? now.nanoseconds / interval.wholeNanoseconds
            : (now.nanoseconds + 1) / interval.wholeNanoseconds - 1
        guard current != period else { return }
        if suppressedInPeriod {
            for source in order {
                if let count = counts[source], count > burst {
                    ended.append(Summary(source: source, suppressed: count - burst))
                }
            }
            if others > burst { ended.append(Summary(source: nil, suppressed: others - burst)) }
        }
        // What ended is due now; nothing is due for the new period yet.
        summaryDue = ended.isEmpty ? nil : now
        period = current
        counts.removeAll(keepingCapacity: counts.count <= 64)
        order.removeAll(keepingCapacity: order.count <= 64)
        others = 0
        suppressedInPeriod = false
    }
}
