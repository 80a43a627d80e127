import Glibc

/// The node's standard output, written so that it can never stop the node.
///
/// Standard output may be a pipe that nobody reads or a terminal stopped with Ctrl-S. A plain
/// blocking `write(2)` then waits for ever, and a node that waits answers no liveness request:
/// its neighbours report it dead (issue 11: a peer blocked after 12.5 s). So the console never
/// waits: what cannot be written at once is dropped and counted (`droppedBytes`), and
/// `LogSink` says so in the log file, which it writes first and in full.
///
/// How it avoids blocking depends on what standard output is:
/// - a pipe or a terminal: `/proc/self/fd/1` is opened again with `O_NONBLOCK`. That is a new
///   open file description of the same pipe or terminal, so the flag is ours alone: the shell
///   that shares the terminal keeps a blocking one. (`fcntl(1, F_SETFL, O_NONBLOCK)` would
///   change the shell's terminal too.) SIGTTOU is ignored, so a node in the background of a
///   shell with `stty tostop` writes instead of being stopped.
/// - a socket: `send` with `MSG_DONTWAIT`, which needs no flag on the descriptor.
/// - a regular file: written as it is (a file never waits for a reader; reopening it would
///   lose the shell's append position).
/// - anything else, or a reopen that fails: written only while `poll` says it is writable, a
///   `PIPE_BUF` at a time (a pipe that polls writable takes that much without waiting).
///
/// Lines are never torn on the console: after a short write, the rest of the line being
/// written is kept (at most one line) and finished first next time; whole lines after it are
/// dropped.
final class Console {
    private enum Kind {
        case nonBlocking
        case socket
        case file
        case polled
    }

    private let fd: Int32
    private let ownsDescriptor: Bool
    private let kind: Kind
    /// The rest of a line a short write cut, to be written before anything else.
    private var carry: [UInt8] = []
    /// Bytes not written to the console since the start.
    private(set) var droppedBytes = 0
    /// The console failed for good (the reader closed the pipe: EPIPE); nothing more is tried.
    private(set) var closedReason: String?

    /// The console on standard output, or nil when there is none worth writing to (closed, or
    /// /dev/null: a node whose console is thrown away skips the system call).
    convenience init?() {
        self.init(descriptor: STDOUT_FILENO, procPath: "/proc/self/fd/1")
    }

    /// `descriptor` and the `/proc` path that names it (tests pass their own pipe).
    init?(descriptor: Int32, procPath: String) {
        var info = stat()
        guard fstat(descriptor, &info) == 0, !Files.isNullDevice(descriptor) else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            (fd, ownsDescriptor, kind) = (descriptor, false, .file)
        case S_IFSOCK:
            (fd, ownsDescriptor, kind) = (descriptor, false, .socket)
        default:
            if isatty(descriptor) != 0 { signal(SIGTTOU, SIG_IGN) }
            let reopened = open(procPath, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
            if reopened >= 0 {
                (fd, ownsDescriptor, kind) = (reopened, true, .nonBlocking)
            } else {
                (fd, ownsDescriptor, kind) = (descriptor, false, .polled)
            }
        }
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// Writes what it can of `bytes` (whole lines) without waiting; counts the rest as dropped.
    func write(_ bytes: UnsafeRawBufferPointer) {
        guard closedReason == nil else {
            droppedBytes += bytes.count
            return
        }
        if !carry.isEmpty {
            let written = carry.withUnsafeBytes { put($0) }
            carry.removeFirst(written)
            if !carry.isEmpty {
                droppedBytes += bytes.count
                return
            }
        }
        let written = put(bytes)
        guard written < bytes.count else { return }
        var rest = written
        if written > 0 && bytes[written - 1] != 10 {
            // Finish the torn line next time (a log line is a few KiB at most; a longer one is
            // not kept, and the console shows it cut short).
            let end = bytes[written...].firstIndex(of: 10).map { $0 + 1 } ?? bytes.count
            if end - written <= 64 << 10 {
                carry.append(contentsOf: bytes[written..<end])
                rest = end
            }
        }
        droppedBytes += bytes.count - rest
    }

    /// Writes without waiting; returns how many bytes went out.
    private func put(_ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while offset < bytes.count, closedReason == nil {
            let remaining = bytes.count - offset
            let count: Int
            switch kind {
            case .socket:
                count = send(fd, bytes.baseAddress! + offset, remaining, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            case .nonBlocking, .file:
                count = Glibc.write(fd, bytes.baseAddress! + offset, remaining)
            case .polled:
                var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                guard poll(&entry, 1, 0) == 1, entry.revents & Int16(POLLOUT) != 0 else { return offset }
                count = Glibc.write(fd, bytes.baseAddress! + offset, min(remaining, Int(PIPE_BUF)))
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return offset }
                closedReason = Errno.text()
                return offset
            }
            offset += count
        }
        return offset
    }
}
