import Glibc
import GossipCore
import GossipRuntime

/// Asks a seed for its COMPLETE list of members, from the lab's process in the root namespace.
///
/// How the query reaches a seed: a network namespace is a property of each socket, fixed
/// when the socket is created. The lab opens `/run/netns/gl<pid>c` (its client namespace on
/// the bridge) once; for each query it enters that namespace with `setns(2)`, creates the
/// socket, and returns to its own namespace at once. The socket then talks from the client's
/// address, 10.77.255.254, through the bridge, like any host of the lab; the lab's own
/// process never leaves the root namespace for longer than a `socket()` call, and no link or
/// address is ever added to the root namespace. (The Glibc module does not import `setns`,
/// which needs `_GNU_SOURCE`; it is looked up with `dlsym`.) The client's frames are exempt
/// from `--loss`, so the figures measure the seeds, not the lab's queries.
///
/// The protocol: `List Members:<offset>` answered by `Members:<offset>:<total>:<addr>=<state>,...`
/// (state `alive` or `suspect`, up to 64 entries a line), asked again from offset + count until
/// offset + count >= total. A seed that answers `Error:` (it does not know `List Members`) is
/// asked `List Peers` instead, whose `Peer List:` holds at most 32 random addresses: then the
/// answer is complete only when it holds fewer than 32.
final class MembersQuery {
    struct Answer {
        /// Each member and its state (`alive`, `suspect`; `listed` from `List Peers`).
        var members: [NodeAddress: String]
        /// `members` or `peers`: which request answered.
        var source: String
        /// False when the answer may leave members out (a `Peer List` of 32).
        var complete: Bool
    }

    private let clientNamespace: Int32
    private let ownNamespace: Int32
    private let setns: @convention(c) (Int32, Int32) -> Int32
    private static let newNet: Int32 = 0x4000_0000  // CLONE_NEWNET
    /// Each whole query (connect, every page) must end within this.
    var timeout: Duration = .milliseconds(800)

    init(clientNamespace name: String) throws(LabShell.Failure) {
        guard let symbol = dlsym(nil, "setns") else { throw LabShell.Failure("setns(2) is not available") }
        setns = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        clientNamespace = open("/run/netns/" + name, O_RDONLY | O_CLOEXEC)
        ownNamespace = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)
        guard clientNamespace >= 0, ownNamespace >= 0 else {
            throw LabShell.Failure("cannot open the namespace \(name): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        close(clientNamespace)
        close(ownNamespace)
    }

    /// Sends one line to a seed from the client namespace and returns its answer (nil: none
    /// within the time-out): how the lab plays an outsider (`--forge`).
    func say(_ line: String, to seed: NodeAddress) -> Substring? {
        let deadline = SystemClock.monotonic() + timeout
        guard let connection = connect(seed, deadline: deadline) else { return nil }
        defer { close(connection.fd) }
        return connection.exchange(line, deadline: deadline)
    }

    /// The seed's members, or a sentence saying why not.
    func ask(_ seed: NodeAddress) -> Result<Answer, LabShell.Failure> {
        let deadline = SystemClock.monotonic() + timeout
        guard let connection = connect(seed, deadline: deadline) else {
            return .failure(LabShell.Failure("cannot connect to \(seed)"))
        }
        defer { close(connection.fd) }
        var members: [NodeAddress: String] = [:]
        var offset = 0
        while true {
            guard let line = connection.exchange("List Members:\(offset)", deadline: deadline) else {
                return .failure(LabShell.Failure("no answer from \(seed)"))
            }
            if line.hasPrefix("Error:") { return askPeers(connection, seed: seed, deadline: deadline) }
            guard let page = Self.page(line), page.offset == offset else {
                return .failure(LabShell.Failure("unexpected answer from \(seed): \(line.prefix(80))"))
            }
            // Dropped peers stay visible a while as `dead` or `left`: not listed.
            for (address, state) in page.entries where state == "alive" || state == "suspect" { members[address] = state }
            offset += page.entries.count
            if offset >= page.total || page.entries.isEmpty { break }
        }
        return .success(Answer(members: members, source: "members", complete: true))
    }

    private func askPeers(_ connection: Connection, seed: NodeAddress, deadline: Instant) -> Result<Answer, LabShell.Failure> {
        guard let line = connection.exchange("List Peers", deadline: deadline), line.hasPrefix("Peer List:") else {
            return .failure(LabShell.Failure("no Peer List from \(seed)"))
        }
        let list = line.dropFirst("Peer List:".count).split(separator: ",").compactMap { try? NodeAddress(parsing: $0) }
        var members: [NodeAddress: String] = [:]
        for address in list { members[address] = "listed" }
        return .success(Answer(members: members, source: "peers", complete: list.count < Limits.maxPeerListEntries))
    }

    /// `Members:<offset>:<total>:<addr>=<state>,...` read back, by the protocol's own decoder.
    static func page(_ line: Substring) -> (offset: Int, total: Int, entries: [(NodeAddress, String)])? {
        guard case .members(let offset, let total, let rows)? = try? Message(decoding: line) else { return nil }
        return (offset, total, rows.map { ($0.address, $0.state.rawValue) })
    }

    /// A connected socket made in the client namespace.
    private func connect(_ seed: NodeAddress, deadline: Instant) -> Connection? {
        guard case .ipv4 = seed.host, setns(clientNamespace, Self.newNet) == 0 else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        // Back to the root namespace before anything else; the socket stays in the client's.
        guard setns(ownNamespace, Self.newNet) == 0 else { fatalError("cannot return to the lab's own network namespace") }
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = seed.port.bigEndian
        guard inet_pton(AF_INET, Self.hostText(seed), &address.sin_addr) == 1 else {
            close(fd)
            return nil
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        let connection = Connection(fd: fd)
        if result == 0 { return connection }
        guard errno == EINPROGRESS, connection.wait(for: Int16(POLLOUT), deadline: deadline) else {
            close(fd)
            return nil
        }
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0, code == 0 else {
            close(fd)
            return nil
        }
        return connection
    }

    private static func hostText(_ address: NodeAddress) -> String {
        let text = address.description
        return String(text[..<(text.lastIndex(of: ":") ?? text.endIndex)])
    }

    /// One request line out, one answer line back.
    final class Connection {
        let fd: Int32
        private var buffer: [UInt8] = []

        init(fd: Int32) { self.fd = fd }

        func wait(for events: Int16, deadline: Instant) -> Bool {
            while true {
                let left = deadline - SystemClock.monotonic()
                guard left > .zero else { return false }
                var set = [pollfd(fd: fd, events: events, revents: 0)]
                let milliseconds = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
                let ready = poll(&set, 1, milliseconds)
                if ready > 0 { return true }
                if ready < 0 && errno != EINTR { return false }
            }
        }

        func exchange(_ request: String, deadline: Instant) -> Substring? {
            var bytes = Array((request + "\n").utf8)
            while !bytes.isEmpty {
                let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent > 0 {
                    bytes.removeFirst(sent)
                } else if sent < 0 && (errno == EAGAIN || errno == EINTR) {
                    guard wait(for: Int16(POLLOUT), deadline: deadline) else { return nil }
                } else {
                    return nil
                }
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                if let newline = buffer.firstIndex(of: 10) {
                    var line = Array(buffer[..<newline])
                    buffer.removeFirst(newline + 1)
                    if line.last == 13 { line.removeLast() }
                    return Substring(String(decoding: line, as: UTF8.self))
                }
                guard wait(for: Int16(POLLIN), deadline: deadline) else { return nil }
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    buffer.append(contentsOf: chunk[0..<count])
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    return nil
                }
            }
        }
    }
}
