import Glibc
import GossipCore
import GossipRuntime

/// What the lab needs from the system: root, and the `ip` (iproute2) and `nft` (nftables)
/// programs. Commands are run synchronously with `posix_spawn`, their standard output and
/// error captured together, and reaped by PID before returning.
enum LabShell {
    /// A failure of the lab itself (not of the network it measures): one line to print.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static var isRoot: Bool { geteuid() == 0 }

    /// The full path of `program`: the directories of `PATH`, then the usual system ones
    /// (a root shell's `PATH` may lack `/usr/sbin`, where both tools live).
    static func find(_ program: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/" + program
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// The two tools, or a message saying what is missing and how to get it.
    static func tools() throws(Failure) -> (ip: String, nft: String) {
        guard isRoot else {
            throw Failure(
                "the lab needs root (it creates network namespaces, veth links and nftables rules); run it with sudo")
        }
        let ip = find("ip")
        let nft = find("nft")
        guard let ip, let nft else {
            let missing = [ip == nil ? "ip (package iproute2)" : nil, nft == nil ? "nft (package nftables)" : nil]
                .compactMap { $0 }.joined(separator: " and ")
            throw Failure("\(missing) not found; install with: apt-get install -y iproute2 nftables")
        }
        return (ip, nft)
    }

    /// Runs `path` with `arguments` to its end; the exit status and what it printed (standard
    /// output and error together, at most 1 MiB).
    @discardableResult
    static func run(_ path: String, _ arguments: [String]) throws(Failure) -> (status: Int32, output: String) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw Failure("cannot create a pipe: \(String(cString: strerror(errno)))") }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, ends[1], STDERR_FILENO)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(ends[1])
        guard result == 0 else {
            close(ends[0])
            throw Failure("cannot start \(path): \(String(cString: strerror(result)))")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            if output.count < 1 << 20 { output.append(contentsOf: buffer[0..<count]) }
        }
        close(ends[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return (signal == 0 ? (status >> 8) & 0xFF : 128 + signal, String(decoding: output, as: UTF8.self))
    }

    /// Runs the command and fails, quoting its output, unless it exits 0.
    static func check(_ path: String, _ arguments: [String]) throws(Failure) {
        let (status, output) = try run(path, arguments)
        guard status == 0 else {
            let command = ([path] + arguments).joined(separator: " ")
            let text = output.split(separator: "\n").prefix(3).joined(separator: " / ")
            throw Failure("'\(command)' failed with status \(status)\(text.isEmpty ? "" : ": " + text)")
        }
    }

    /// Writes `text` to the file at `path` (created or truncated).
    static func write(_ text: String, to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("cannot write \(path): \(String(cString: strerror(errno)))") }
        var text = text
        text.withUTF8 { Files.writeAll(fd, UnsafeRawBufferPointer($0)) }
        guard close(fd) == 0 else { throw Failure("cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
