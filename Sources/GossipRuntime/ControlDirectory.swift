import Glibc
import GossipCore

/// Where the nodes' control sockets live, and the checks that make a socket there reachable
/// only by this user (docs/PROTOCOL.md, "Control socket").
///
/// The directory is this user's own (`$XDG_RUNTIME_DIR/gossip`, or `/tmp/gossip-<uid>`), made
/// with mode 0700; a directory another user owns, or that group or others may write, is
/// refused (someone else could put their own socket in a node's place, or remove it). Each
/// socket is mode 0600 as well.
public enum ControlDirectory {
    /// `$XDG_RUNTIME_DIR/gossip` when the variable is set, else `/tmp/gossip-<uid>`.
    public static var defaultPath: String {
        if let runtime = getenv("XDG_RUNTIME_DIR").map({ String(cString: $0) }), runtime.hasPrefix("/") {
            return runtime + "/gossip"
        }
        return "/tmp/gossip-\(getuid())"
    }

    /// The help text of the default.
    public static let defaultDescription = "$XDG_RUNTIME_DIR/gossip, or /tmp/gossip-<uid>"

    /// The socket of the node of `kind` at `address` in `directory`.
    public static func socketPath(_ directory: String, kind: NodeKind, address: NodeAddress) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + kind.controlSocketName(for: address)
    }

    /// Makes `path` (mode 0700) if it is missing, its parents as needed, and checks that it is
    /// a directory of this user's that nobody else may write.
    public static func prepare(_ path: String) throws(RuntimeError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try Files.makeDirectory(String(path[..<slash]))
        }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw RuntimeError("cannot create the control directory \(path): \(Errno.text())")
        }
        try check(path)
    }

    /// Refuses a directory that is not this user's alone to write.
    public static func check(_ path: String) throws(RuntimeError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw RuntimeError("cannot use the control directory \(path): \(Errno.text())") }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw RuntimeError("the control directory \(path) is not a directory (a symbolic link is refused too)")
        }
        guard info.st_uid == getuid() else {
            throw RuntimeError(
                "the control directory \(path) belongs to user \(info.st_uid), not to this user (\(getuid())); give --control-dir a directory of your own"
            )
        }
        guard info.st_mode & 0o022 == 0 else {
            throw RuntimeError(
                "the control directory \(path) may be written by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); make it 0700 (chmod 700) or give another --control-dir"
            )
        }
    }
}

extension NodeKind {
    /// `peer-127.0.0.1-5001.sock`, `seed-[::1]-5001.sock`: found from the node's address.
    public func controlSocketName(for address: NodeAddress) -> String {
        var text = address.description
        if let colon = text.lastIndex(of: ":") { text.replaceSubrange(colon...colon, with: "-") }
        return "\(rawValue)-\(text).sock"
    }
}

/// AF_UNIX stream sockets, non-blocking and close-on-exec.
public enum UnixSocket {
    /// The longest path `sockaddr_un` takes (108 bytes with its terminating zero).
    public static let maxPathBytes = 107

    static func withAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R? {
        guard path.utf8.count <= maxPathBytes else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// A blocking connection to the socket at `path` (a client's); the error says why not.
    public static func connect(_ path: String) throws(RuntimeError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RuntimeError("cannot make a socket: \(Errno.text())") }
        guard let result = withAddress(path, { Glibc.connect(fd, $0, $1) }) else {
            close(fd)
            throw RuntimeError("the path \(path) is longer than a socket path may be (\(maxPathBytes) bytes)")
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw RuntimeError("cannot connect to \(path): \(Errno.text(code))")
        }
        return fd
    }

    /// A listening socket at `path`, mode 0600. A socket file already there is removed when
    /// nobody answers on it (left by a node that was killed); one that answers is in use.
    static func listen(_ path: String, backlog: Int32 = 8) throws(RuntimeError) -> Int32 {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw RuntimeError("cannot make the control socket \(path): a file that is not a socket is in the way")
            }
            if let fd = try? connect(path) {
                close(fd)
                throw RuntimeError("the control socket \(path) is in use by another process")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw RuntimeError("cannot make a socket: \(Errno.text())") }
        guard let bound = withAddress(path, { bind(fd, $0, $1) }) else {
            close(fd)
            throw RuntimeError(
                "the control socket path \(path) is longer than \(maxPathBytes) bytes; give a shorter --control-dir")
        }
        guard bound == 0, chmod(path, 0o600) == 0, Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw RuntimeError("cannot make the control socket \(path): \(Errno.text(code))")
        }
        return fd
    }
}
