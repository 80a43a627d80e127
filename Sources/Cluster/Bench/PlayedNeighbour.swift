import Glibc
import GossipCore
import GossipRuntime

/// A neighbour of the peer under test, played by the bench over one TCP link: it asks for the
/// link, counts the gossip lines the peer sends it, and answers the peer's liveness requests,
/// reading everything the peer sends so the peer is never held up by it.
final class PlayedNeighbour {
    let fd: Int32
    /// The listen address it claims in its `Link Request` (nobody listens there).
    let claimed: NodeAddress
    /// Gossip lines received (lines that start with a digit: `<timestamp>:<IP>:<port>:<Msg#>`).
    private(set) var gossipLines = 0
    private(set) var bytesReceived = 0
    /// Set when the peer closed the link or it failed.
    private(set) var closedReason: String?
    /// Other lines than gossip and liveness requests (the first few), for the report.
    private(set) var otherLines: [String] = []
    /// Liveness replies waiting to be written.
    var answers: [UInt8] = []
    /// When set, the `Msg#` (the last field) of every gossip line received, in order: what the
    /// kill flood checks against the peer's log.
    var recordsSequences = false
    private(set) var sequences: [Int] = []
    private var sequence = 0

    private var atLineStart = true
    private var lineIsGossip = false
    private var otherLine: [UInt8] = []

    private init(fd: Int32, claimed: NodeAddress) {
        self.fd = fd
        self.claimed = claimed
    }

    deinit { close(fd) }

    /// `count` neighbours linked to `peer`, each claiming a free loopback port of its own: the
    /// throughput flood's sender and counters (throughput, kill flood).
    static func link(_ count: Int, to peer: BenchNetwork.Peer, context: BenchContext) throws(BenchError) -> [PlayedNeighbour] {
        var neighbours: [PlayedNeighbour] = []
        for _ in 0..<count {
            guard let port = Paths.freePort(host: .loopback) else { throw .failed("no free port to claim") }
            neighbours.append(
                try link(
                    toPort: peer.address.port, claiming: NodeAddress(host: .loopback, port: port),
                    interrupts: context.interrupts, key: context.clusterKey?.key))
        }
        return neighbours
    }

    /// Connects to the peer at 127.0.0.1:`port`, sends `Link Request:<claimed>` and waits for
    /// `Link Accepted:`. The socket is then non-blocking. With `key`, the link opens with the
    /// cluster-key handshake (`Auth Hello` first, `Auth Welcome` back), as a keyed peer's does.
    static func link(
        toPort port: UInt16, claiming claimed: NodeAddress, interrupts: Interrupts, key: ClusterKey? = nil
    ) throws(BenchError) -> PlayedNeighbour {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .failed("cannot open a socket: \(String(cString: strerror(errno)))") }
        let neighbour = PlayedNeighbour(fd: fd, claimed: claimed)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            throw .failed("cannot connect to the peer at port \(port): \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var request = Array("Link Request:\(claimed)\n".utf8)
        if let key {
            var system = SystemRandomNumberGenerator()
            let hello = AuthLine.Hello(
                key: key, destination: NodeAddress(host: .loopback, port: port), timestamp: SystemClock.wall(),
                nonce: Nonce(using: &system))
            request = Array((Message.auth(.hello(hello)).encoded + "\n").utf8) + request
        }
        guard try neighbour.writeAll(&request, limit: .seconds(5), interrupts: interrupts) else {
            throw .failed("cannot send a link request to the peer at port \(port)")
        }
        if key != nil {
            let welcome = try neighbour.readAnswer(interrupts: interrupts)
            guard welcome.hasPrefix("Auth Welcome:") else {
                throw .failed("the peer did not welcome the link's hello from \(claimed): '\(welcome)'")
            }
        }
        let text = try neighbour.readAnswer(interrupts: interrupts)
        guard text.hasPrefix("Link Accepted:") else {
            throw .failed("the peer did not accept the link from \(claimed): '\(text)'")
        }
        return neighbour
    }

    /// One line of the link's opening, byte by byte up to its newline (what follows stays in
    /// the socket); empty when none came within 5 s.
    private func readAnswer(interrupts: Interrupts) throws(BenchError) -> String {
        var answer: [UInt8] = []
        let answered = try interrupts.wait(upTo: .seconds(5), every: 2) { () -> Bool in
            var byte: UInt8 = 0
            while answer.count < 4096 {
                let count = recv(fd, &byte, 1, 0)
                guard count == 1 else { return count == 0 }
                if byte == 10 { return true }
                answer.append(byte)
            }
            return true
        }
        return answered ? String(decoding: answer, as: UTF8.self) : ""
    }

    /// Reads what has arrived (at most 16 reads), counts its lines, and queues answers.
    /// Returns the number of gossip lines it brought.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let before = gossipLines
        for _ in 0..<16 {
            let count = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if count < 0 {
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { closedReason = "read failed: \(String(cString: strerror(errno)))" }
                break
            }
            if count == 0 {
                closedReason = closedReason ?? "the peer closed the link"
                break
            }
            bytesReceived += count
            scan(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            if count < buffer.count { break }
        }
        return gossipLines - before
    }

    /// Counts the complete gossip lines in `bytes`; collects any other line and answers a
    /// liveness request.
    private func scan(_ bytes: UnsafeRawBufferPointer) {
        guard var position = bytes.baseAddress else { return }
        let end = position + bytes.count
        while position < end {
            if atLineStart {
                let first = position.load(as: UInt8.self)
                lineIsGossip = first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")
                atLineStart = false
            }
            let newline = memchr(position, 10, end - position).map { UnsafeRawPointer($0) }
            let stop = newline ?? end
            if lineIsGossip && recordsSequences { readSequence(from: position, to: stop) }
            if !lineIsGossip && otherLine.count < 4096 {
                otherLine.append(contentsOf: UnsafeRawBufferPointer(start: position, count: min(stop - position, 4096)))
            }
            guard let newline else { return }
            if lineIsGossip {
                gossipLines += 1
                if recordsSequences {
                    sequences.append(sequence)
                    sequence = 0
                }
            } else {
                answer(otherLine)
                otherLine.removeAll(keepingCapacity: true)
            }
            atLineStart = true
            position = newline + 1
        }
    }

    /// Follows the digits of a gossip line (a part of it: a line may span reads): after the
    /// last `:`, they are its `Msg#`. Only the part after the part's last `:` is read (found
    /// from the end: a few bytes), so recording costs the bench little of its core.
    private func readSequence(from start: UnsafeRawPointer, to end: UnsafeRawPointer) {
        var position = end
        while position > start && position.load(fromByteOffset: -1, as: UInt8.self) != UInt8(ascii: ":") {
            position -= 1
        }
        if position > start { sequence = 0 }
        while position < end {
            let byte = position.load(as: UInt8.self)
            if byte == UInt8(ascii: ":") {
                sequence = 0
            } else if byte &- UInt8(ascii: "0") < 10 {
                sequence = sequence &* 10 &+ Int(byte &- UInt8(ascii: "0"))
            }
            position += 1
        }
    }

    /// `Liveness Request:<ts>:<ip>:<port>` is answered `Liveness Reply:<ts>:<ip>:<port>:<claimed>`.
    private func answer(_ line: [UInt8]) {
        var text = String(decoding: line, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        let prefix = "Liveness Request:"
        if text.hasPrefix(prefix) {
            answers += Array("Liveness Reply:\(text.dropFirst(prefix.count)):\(claimed)\n".utf8)
        } else if otherLines.count < 5 {
            otherLines.append(text)
        }
    }

    /// Writes queued answers without blocking (the counting neighbours send nothing else).
    func flushAnswers() {
        guard !answers.isEmpty else { return }
        let count = answers.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if count > 0 { answers.removeFirst(count) }
    }

    /// Writes every byte of `bytes`, waiting for the socket at most `limit`.
    private func writeAll(_ bytes: inout [UInt8], limit: Duration, interrupts: Interrupts) throws(BenchError) -> Bool {
        var offset = 0
        return try interrupts.wait(upTo: limit, every: 1) { () -> Bool in
            while offset < bytes.count {
                let count = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
    }
}
