import Glibc
import GossipCore
import GossipRuntime

/// The bench's only way to wait: it sleeps on the signal pipe, so Ctrl-C (or SIGTERM) ends any
/// wait at once with `BenchError.interrupted`, and every child is then stopped by PID.
final class Interrupts {
    private let signals: SignalPipe

    init(signals: consuming SignalPipe) { self.signals = signals }

    /// The pipe to include in a `poll` set; `check()` after it is readable.
    var fileDescriptor: Int32 { signals.readEnd }

    /// Throws when a signal has arrived.
    func check() throws(BenchError) {
        if let signal = signals.take() { throw .interrupted(signal) }
    }

    /// Sleeps `milliseconds`, unless a signal arrives first.
    func pause(milliseconds: Int) throws(BenchError) {
        var set = [pollfd(fd: signals.readEnd, events: Int16(POLLIN), revents: 0)]
        _ = poll(&set, 1, Int32(max(0, milliseconds)))
        try check()
    }

    /// Polls `condition` every `every` milliseconds until it holds (true) or `limit` passes
    /// (false). The condition is checked once more at the deadline.
    func wait(
        upTo limit: Duration, every milliseconds: Int = 20, until condition: () throws(BenchError) -> Bool
    ) throws(BenchError) -> Bool {
        let deadline = SystemClock.monotonic() + limit
        while SystemClock.monotonic() < deadline {
            if try condition() { return true }
            try pause(milliseconds: milliseconds)
        }
        return try condition()
    }
}
