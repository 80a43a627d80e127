/// How a turn of the event loop shares its work between connections (docs/PROTOCOL.md,
/// "Bounded work").
///
/// A turn delivers at most `linesPerTurn` lines in all. Each connection with input gets an
/// equal share of that (at least one line) and is served in a rotating order; what a
/// connection sent beyond its share waits for the next turn, in the kernel or in the bytes the
/// connection holds over. Between two turns the loop writes every queued reply and fires every
/// due timer, so an honest neighbour's `Liveness Request` waits for at most one round of
/// shares, whatever the others send.
///
/// Lines, not bytes, are what a budget counts: the cost of a line (parse it, answer it, log
/// it) hardly depends on its length, and 64 KiB of `x\n` is 32,768 lines.
///
/// The turn's budget itself follows the CPU time a turn takes, like a TCP window: it starts at
/// `minimum` lines, grows by a quarter after each full turn within its target, halves after a
/// turn over it (lines that cost more than usual: errors to format, a debug build), and starts
/// again from `minimum` after a turn with no input at all. So a burst after a quiet spell costs
/// at most `minimum` lines before the turns know what its lines cost, a sustained flood gets
/// `maximum` lines a turn once they prove cheap, and a round of shares lasts about the target
/// whatever a line costs: an honest neighbour is answered within a few targets of CPU time.
/// (CPU time, not wall time: a node that waits for a core on a busy machine would otherwise
/// shrink its turns, and pay more system calls per line, just when it can least afford them.)
struct TurnBudget {
    /// The lines the next turn may deliver.
    private(set) var lines: Int
    let minimum: Int
    let maximum: Int
    let target: Duration

    init(maximum: Int, minimum: Int = 64, target: Duration) {
        self.maximum = max(1, maximum)
        self.minimum = min(max(1, minimum), self.maximum)
        self.target = target
        lines = self.minimum
    }

    /// After a turn that delivered `delivered` lines in `elapsed` (of CPU time).
    mutating func turnTook(_ elapsed: Duration, delivered: Int) {
        if elapsed > target {
            lines = max(minimum, lines / 2)
        } else if delivered >= lines {
            lines = min(maximum, lines + max(1, lines / 4))
        }
    }

    /// After a turn in which no connection had input.
    mutating func turnWasQuiet() { lines = minimum }

    /// The share of one connection when `busy` connections have input.
    static func share(linesPerTurn: Int, busy: Int) -> Int {
        max(1, linesPerTurn / max(1, busy))
    }

    /// How many bytes to read for a share of `lines`: about 64 a line (a gossip line is about
    /// 45 bytes), at least 512, at most `maxRead`. A small share reads little, so what is
    /// held over for the next turn stays small when many connections are busy.
    static func readSize(lines: Int, maxRead: Int) -> Int {
        min(maxRead, max(512, lines.multipliedReportingOverflow(by: 64).overflow ? maxRead : lines * 64))
    }
}
