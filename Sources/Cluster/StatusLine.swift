import Glibc
import GossipCore
import GossipRuntime

/// The run's live status on standard output: on a terminal, one line rewritten in place
/// (carriage return, then erase to the end of the line); otherwise a plain line at most once
/// per `interval`, so a log of the output stays readable. Other lines (`say`) first clear it.
final class StatusLine {
    let isTerminal = isatty(STDOUT_FILENO) == 1
    let interval: Duration
    private var shown = false
    private var lastPlain: Instant?

    init(interval: Duration) { self.interval = interval }

    /// The status now: rewritten on a terminal, printed when `interval` has passed otherwise.
    func show(_ text: String) {
        let now = SystemClock.monotonic()
        if isTerminal {
            // Ten times a second is as fast as anyone reads.
            if let lastPlain, now - lastPlain < .milliseconds(100) { return }
            lastPlain = now
            write("\r" + text + "\u{1B}[K")
            shown = true
            return
        }
        if let lastPlain, now - lastPlain < interval { return }
        lastPlain = now
        write(text + "\n")
    }

    /// A line of its own (on a terminal, where the status line was). Not on a terminal, the
    /// next status line comes an interval after it.
    func say(_ text: String) {
        clear()
        write(text + "\n")
        if !isTerminal { lastPlain = SystemClock.monotonic() }
    }

    /// Erases the status line on a terminal, so that what comes next starts on a clean line.
    func clear() {
        guard shown else { return }
        write("\r\u{1B}[K")
        shown = false
    }

    private func write(_ text: String) {
        NodeLauncher.standardError(text, to: STDOUT_FILENO)
    }
}
