import Foundation

/// A raw TCP client for talking to a node by hand: send any bytes, read lines back.
final class LineClient {
    private var fd: Int32
    private var buffer: [UInt8] = []
    private(set) var closedByPeer = false

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw TestFailure("cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    /// Closes the connection now (also in the middle of a line, if that is what was sent).
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func send(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { _ = Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func send(line: String) { send(Array((line + "\n").utf8)) }

    /// The next line, or nil if none arrives within `timeout` seconds or the node closed.
    func readLine(timeout: TimeInterval = 5) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if closedByPeer || Date() >= deadline { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                closedByPeer = true
            }
        }
    }

    /// Reads lines until one satisfies `match`; nil on time-out or close.
    func readLine(timeout: TimeInterval = 5, where match: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while let line = readLine(timeout: max(0, deadline.timeIntervalSinceNow)) {
            if match(line) { return line }
        }
        return nil
    }

    /// True once the node has closed the connection (waits up to `timeout`).
    func awaitClose(timeout: TimeInterval = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !closedByPeer && Date() < deadline { _ = readLine(timeout: 0.1) }
        return closedByPeer
    }

    /// Asks a seed for its list: `List Peers` on a fresh connection.
    static func listPeers(seedPort: Int) throws -> [String] {
        let client = try LineClient(port: seedPort)
        client.send(line: "List Peers")
        guard let line = client.readLine(), line.hasPrefix("Peer List:") else {
            throw TestFailure("seed on port \(seedPort) did not answer List Peers")
        }
        let body = line.dropFirst("Peer List:".count)
        return body.isEmpty ? [] : body.split(separator: ",").map(String.init)
    }
}
