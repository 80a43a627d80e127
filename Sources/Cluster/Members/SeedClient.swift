import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// Asks one seed, over an ordinary TCP connection, for every member it knows: `List Members:<offset>`
/// answered by `Members:<offset>:<total>:<addr>=<state>,...` (64 rows a line), asked again from
/// the next offset until the total is reached (docs/PROTOCOL.md, "Seed connections").
/// The lab asks the same way from inside its namespaces (`MembersQuery`).
enum SeedClient {
    /// One seed's complete answer, or why there is none.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Every member of `seed` and its state, in the seed's (address) order. The whole exchange,
    /// connect and every page, must end by `timeout`.
    static func members(of seed: NodeAddress, timeout: Duration) -> Result<[(NodeAddress, Member.State)], Failure> {
        let deadline = SystemClock.monotonic() + timeout
        let connection: MembersQuery.Connection
        switch connect(to: seed, deadline: deadline) {
        case .success(let connected): connection = connected
        case .failure(let failure): return .failure(failure)
        }
        defer { close(connection.fd) }
        var rows: [(NodeAddress, Member.State)] = []
        var offset = 0
        // Bounded: a seed lists at most 100,000 peers and 1,024 departures, 64 a page.
        for _ in 0..<10_000 {
            guard let line = connection.exchange("List Members:\(offset)", deadline: deadline) else {
                return .failure(Failure("no answer within \(DurationText.format(timeout))"))
            }
            if line.hasPrefix("Error:") { return .failure(Failure("it answered \(line.prefix(120))")) }
            guard case .members(let pageOffset, let total, let page)? = try? Message(decoding: line), pageOffset == offset
            else { return .failure(Failure("unexpected answer: \(line.prefix(120))")) }
            rows += page.map { ($0.address, $0.state) }
            offset += page.count
            if offset >= total || page.isEmpty { return .success(rows) }
        }
        return .failure(Failure("more than 10,000 pages"))
    }

    /// A connected non-blocking socket to `address`, or why not.
    static func connect(to address: NodeAddress, deadline: Instant) -> Result<MembersQuery.Connection, Failure> {
        var storage = sockaddr_storage()
        let length: Int
        let family: Int32
        let host = address.host.description
        switch address.host {
        case .ipv4:
            family = AF_INET
            length = MemoryLayout<sockaddr_in>.size
            let ok = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    sin.pointee.sin_family = sa_family_t(AF_INET)
                    sin.pointee.sin_port = address.port.bigEndian
                    return inet_pton(AF_INET, host, &sin.pointee.sin_addr) == 1
                }
            }
            guard ok else { return .failure(Failure("bad address \(address)")) }
        case .ipv6:
            family = AF_INET6
            length = MemoryLayout<sockaddr_in6>.size
            let bare = String(host.dropFirst().dropLast())
            let ok = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                    sin6.pointee.sin6_port = address.port.bigEndian
                    return inet_pton(AF_INET6, bare, &sin6.pointee.sin6_addr) == 1
                }
            }
            guard ok else { return .failure(Failure("bad address \(address)")) }
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(Failure("no socket: \(String(cString: strerror(errno)))")) }
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(length)) }
        }
        let connection = MembersQuery.Connection(fd: fd)
        if result == 0 { return .success(connection) }
        guard errno == EINPROGRESS else {
            let text = String(cString: strerror(errno))
            close(fd)
            return .failure(Failure(text))
        }
        guard connection.wait(for: Int16(POLLOUT), deadline: deadline) else {
            close(fd)
            return .failure(Failure("no connection within the time-out"))
        }
        var code: Int32 = 0
        var codeLength = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &codeLength) == 0, code == 0 else {
            close(fd)
            return .failure(Failure(String(cString: strerror(code)).lowercased()))
        }
        return .success(connection)
    }
}
