import Glibc
import GossipCore
import Synchronization

/// The write end of the signal pipe, for the signal handler. An `Atomic` global is `Sendable`
/// and lock-free, so reading it in a signal handler is safe.
private let signalPipeWriteEnd = Atomic<Int32>(-1)

/// Turns SIGINT and SIGTERM into a readable file descriptor (the self-pipe trick), so the
/// event loop sees a signal as one more input and can shut down in order: close connections,
/// flush the log, exit 0. SIGPIPE is ignored: a write to a closed socket is an error to handle,
/// not a reason to die.
public struct SignalPipe: ~Copyable {
    public let readEnd: Int32
    /// Where the handler writes; a test writes a signal number here itself.
    let writeEnd: Int32

    public init() throws(RuntimeError) {
        try self.init(handlingSignals: true)
    }

    /// `handlingSignals: false`: a pipe no signal handler writes to, for tests that run an
    /// `EventLoop` in the test process (whose own SIGINT and SIGTERM must stay as they are);
    /// they stop the loop by writing a signal number to `writeEnd`.
    init(handlingSignals: Bool) throws(RuntimeError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw RuntimeError("cannot create the signal pipe: \(Errno.text())") }
        for fd in ends {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
        guard handlingSignals else { return }
        signalPipeWriteEnd.store(ends[1], ordering: .sequentiallyConsistent)
        signal(SIGPIPE, SIG_IGN)
        // A parent may have started us with these signals blocked (a blocked mask is
        // inherited across exec); unblock them, or SIGTERM would never reach us.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { number in
                // Only async-signal-safe calls here: an atomic load and write(2).
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipeWriteEnd.load(ordering: .sequentiallyConsistent), &byte, 1)
            }
        }
    }

    /// The signal received, if any (non-blocking).
    public func take() -> Int32? {
        var byte: UInt8 = 0
        return read(readEnd, &byte, 1) == 1 ? Int32(byte) : nil
    }

    public static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(number)"
        }
    }
}
