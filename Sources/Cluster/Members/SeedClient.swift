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

    /// A connected non-blocking socket to `address`, or why not: the nodes' own non-blocking
    /// connect (`Sockets`), waited for until `deadline`.
    static func connect(to address: NodeAddress, deadline: Instant) -> Result<MembersQuery.Connection, Failure> {
        let fd: Int32
        switch Sockets.connect(to: address) {
        case .failed(let why): return .failure(Failure(why.text))
        case .inProgress(let opening): fd = opening
        }
        let connection = MembersQuery.Connection(fd: fd)
        guard connection.wait(for: Int16(POLLOUT), deadline: deadline) else {
            close(fd)
            return .failure(Failure("no connection within the time-out"))
        }
        if let why = Sockets.connectError(fd) {
            close(fd)
            return .failure(Failure(why.text.lowercased()))
        }
        return .success(connection)
    }
}
