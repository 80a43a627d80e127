import Glibc
import GossipCore
import GossipRuntime

/// A program the cluster started, by PID. The cluster ends only the processes it started.
final class ChildProcess {
    let pid: pid_t
    let name: String
    private(set) var exitStatus: Int32?
    /// When it was started: the wall clock just before `posix_spawn`, in microseconds.
    let startedAt: Int64
    /// The write end of a pipe to its standard input, when it was started with one.
    private var input: Int32?

    /// Starts `path` with `arguments`; its standard output goes to `/dev/null` (nodes write
    /// their own log files). Its standard error is the cluster's, or `errorFile` when given.
    /// With `withInput`, its standard input is a pipe that `send(_:)` writes to; otherwise
    /// `/dev/null`. With `ownGroup`, it runs in a process group of its own: the terminal's
    /// Ctrl-C then reaches the cluster alone, which stops its children in order and reports,
    /// instead of every child dying at once under it (in the middle of its start-up, say).
    init(
        path: String, arguments: [String], name: String, withInput: Bool = false, errorFile: String? = nil,
        ownGroup: Bool = false
    ) throws(RuntimeError) {
        self.name = name
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if ownGroup {
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        var pipeEnds: [Int32] = [-1, -1]
        if withInput {
            guard pipe(&pipeEnds) == 0 else {
                throw RuntimeError("cannot create a pipe for \(name): \(String(cString: strerror(errno)))")
            }
            // Neither end may leak into other children; dup2 onto 0 clears the flag in this one.
            for fd in pipeEnds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            _ = fcntl(pipeEnds[1], F_SETFL, fcntl(pipeEnds[1], F_GETFL) | O_NONBLOCK)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], STDIN_FILENO)
        } else {
            posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        if let errorFile {
            posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        startedAt = SystemClock.wallMicroseconds()
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        if withInput { close(pipeEnds[0]) }
        guard result == 0 else {
            if withInput { close(pipeEnds[1]) }
            throw RuntimeError("cannot start \(path): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        input = withInput ? pipeEnds[1] : nil
    }

    deinit { closeInput() }

    /// Writes `text` to its standard input; false when it has none or the write failed.
    func send(_ text: String) -> Bool {
        guard let input, exitStatus == nil else { return false }
        var text = text
        let count = text.utf8.count
        let written = text.withUTF8 { write(input, $0.baseAddress, $0.count) }
        return written == count
    }

    private func closeInput() {
        if let input { close(input) }
        input = nil
    }

    /// Reaps the process if it has exited; true when it is gone.
    @discardableResult
    func poll() -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return result < 0 }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (the C macros are not imported).
        let signal = status & 0x7F
        exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        closeInput()
        return true
    }

    /// Asks it to stop (SIGTERM) without waiting; `poll()` tells when it has.
    func terminate() {
        if !poll() { kill(pid, SIGTERM) }
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    func stop(grace: Duration = .seconds(5)) {
        guard !poll() else { return }
        kill(pid, SIGTERM)
        let deadline = SystemClock.monotonic() + grace
        while SystemClock.monotonic() < deadline {
            if poll() { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        while !poll() { usleep(10_000) }
    }
}

extension ChildProcess {
    /// Stops them all at once: SIGTERM to each, then SIGKILL to those still running after
    /// `grace`; returns when every one is reaped. (One by one, 300 peers took 300 waits.)
    static func stopAll(_ children: [ChildProcess], grace: Duration = .seconds(5)) {
        for child in children { child.terminate() }
        let deadline = SystemClock.monotonic() + grace
        while SystemClock.monotonic() < deadline {
            if children.allSatisfy({ $0.poll() }) { return }
            usleep(5_000)
        }
        for child in children where !child.poll() { kill(child.pid, SIGKILL) }
        for child in children { while !child.poll() { usleep(5_000) } }
    }

    /// `status 0`, `status 1`, `SIGKILL` (an exit status above 128 is death by that signal).
    var exitDescription: String {
        guard let status = exitStatus else { return "running" }
        switch status - 128 {
        case SIGKILL: return "SIGKILL"
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case let signal where signal > 0: return SignalPipe.name(signal)
        default: return "status \(status)"
        }
    }
}

enum Paths {
    /// The directory of the running executable: `seed` and `peer` are built beside `cluster`.
    static func executableDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return "." }
        let path = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// A port that was free a moment ago (the kernel's choice for port 0).
    static func freePort(host: NodeAddress.Host) -> UInt16? {
        let family: Int32
        if case .ipv4 = host { family = AF_INET } else { family = AF_INET6 }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        return ok ? UInt16(bigEndian: address.sin_port) : nil
    }
}
