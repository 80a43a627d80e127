import Glibc
import GossipCore

/// Thin wrappers over the Glibc socket calls, with `NodeAddress` in and out. Every socket is
/// non-blocking and close-on-exec.
public enum Sockets {
    /// A listening socket bound to `address` (port 0: a free port; the result says which).
    static func listen(on address: NodeAddress, backlog: Int32 = 256) throws(RuntimeError) -> (fd: Int32, address: NodeAddress) {
        let fd = try makeSocket(for: address.host)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withSockaddr(address) { bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = errno
            close(fd)
            if code == EADDRINUSE { throw RuntimeError("cannot listen on \(address): the port is in use") }
            throw RuntimeError("cannot listen on \(address): \(Errno.text(code))")
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw RuntimeError("cannot listen on \(address): \(Errno.text(code))")
        }
        guard let local = localAddress(fd) else {
            close(fd)
            throw RuntimeError("cannot read the address of the listening socket")
        }
        return (fd, local)
    }

    /// Starts a non-blocking connect. `.inProgress`: wait for the socket to be writable.
    public enum ConnectStart {
        case inProgress(Int32)
        case failed(ConnectFailure)
    }

    /// Starts a non-blocking connect. `source`: the host to connect from (the node's own, so
    /// that the other end sees the address the node registers and links under); nil or an
    /// unspecified host lets the kernel choose.
    public static func connect(to address: NodeAddress, from source: NodeAddress.Host? = nil) -> ConnectStart {
        let fd: Int32
        do { fd = try makeSocket(for: address.host) } catch { return .failed(ConnectFailure(error.description)) }
        setNoDelay(fd)
        if let source, !source.isUnspecified, source.isIPv4 == address.host.isIPv4,
            withSockaddr(NodeAddress(host: source, port: 0), { Glibc.bind(fd, $0, $1) }) != 0
        {
            let why = failure(errno)
            close(fd)
            return .failed(why)
        }
        let result = withSockaddr(address) { Glibc.connect(fd, $0, $1) }
        if result == 0 || errno == EINPROGRESS { return .inProgress(fd) }
        let why = failure(errno)
        close(fd)
        return .failed(why)
    }

    /// The outcome of a finished non-blocking connect: nil when it succeeded.
    public static func connectError(_ fd: Int32) -> ConnectFailure? {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { return failure(errno) }
        return code == 0 ? nil : failure(code)
    }

    /// A refused connect is the strong kind: the host answered that nothing listens there.
    static func failure(_ code: Int32) -> ConnectFailure {
        ConnectFailure(Errno.text(code), refused: code == ECONNREFUSED)
    }

    /// Accepts one connection: nil when none is waiting.
    static func accept(_ listener: Int32) -> (fd: Int32, remote: NodeAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.accept(listener, $0, &length)
            }
        }
        guard fd >= 0 else { return nil }
        // accept4 is not in the Glibc module: set the flags in two more calls.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        setNoDelay(fd)
        let remote = address(of: storage) ?? NodeAddress(host: .loopback, port: 1)
        return (fd, remote)
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    static func localAddress(_ fd: Int32) -> NodeAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return ok == 0 ? address(of: storage) : nil
    }

    /// The address of the other end of a connected socket (for log lines).
    static func remoteAddress(_ fd: Int32) -> NodeAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        return ok == 0 ? address(of: storage) : nil
    }

    private static func makeSocket(for host: NodeAddress.Host) throws(RuntimeError) -> Int32 {
        let family: Int32
        if case .ipv4 = host { family = AF_INET } else { family = AF_INET6 }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RuntimeError("cannot create a socket: \(Errno.text())") }
        return fd
    }

    private static func withSockaddr<R>(_ address: NodeAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch address.host {
        case .ipv4(let a, let b, let c, let d):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = address.port.bigEndian
            sin.sin_addr.s_addr = (UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)).bigEndian
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .ipv6:
            let groups = address.host.groups!
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = address.port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { raw in
                for (i, group) in groups.enumerated() {
                    raw[2 * i] = UInt8(group >> 8)
                    raw[2 * i + 1] = UInt8(group & 0xFF)
                }
            }
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    private static func address(of storage: sockaddr_storage) -> NodeAddress? {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    let v = UInt32(bigEndian: sin.pointee.sin_addr.s_addr)
                    return NodeAddress(
                        host: .ipv4(UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)),
                        port: UInt16(bigEndian: sin.pointee.sin_port))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    let groups = withUnsafeBytes(of: &addr) { raw in
                        (0..<8).map { UInt16(raw[2 * $0]) << 8 | UInt16(raw[2 * $0 + 1]) }
                    }
                    return NodeAddress(host: .ipv6(groups: groups), port: UInt16(bigEndian: sin6.pointee.sin6_port))
                }
            }
        default:
            return nil
        }
    }
}
