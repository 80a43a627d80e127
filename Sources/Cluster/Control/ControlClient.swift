import Glibc
import GossipCore
import GossipOptions
import GossipRuntime

/// The client side of the nodes' control sockets (docs/PROTOCOL.md, "Control socket"): finds a
/// node's socket from its address in the control directory, asks one command and reads the
/// answer up to its end line, or follows a `monitor` stream.
enum ControlClient {
    /// A node's control socket found in the directory.
    struct Node: Equatable {
        var kind: NodeKind
        var address: NodeAddress
        var path: String
        var name: String { "\(kind.rawValue) \(address)" }
    }

    /// The node at `address`: its peer socket, or else its seed socket (`kinds` in that order).
    static func locate(_ address: NodeAddress, in directory: String, kinds: [NodeKind] = [.peer, .seed]) -> Node? {
        for kind in kinds {
            let path = ControlDirectory.socketPath(directory, kind: kind, address: address)
            var info = stat()
            if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK {
                return Node(kind: kind, address: address, path: path)
            }
        }
        return nil
    }

    /// Every node socket in the directory, seeds first, each in address order.
    static func all(in directory: String) throws(RuntimeError) -> [Node] {
        guard let dir = opendir(directory) else {
            throw RuntimeError("cannot read the control directory \(directory): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var nodes: [Node] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let node = parse(fileName: name, in: directory) else { continue }
            nodes.append(node)
        }
        return nodes.sorted { ($0.kind == .seed ? 0 : 1, $0.address) < ($1.kind == .seed ? 0 : 1, $1.address) }
    }

    /// `peer-127.0.0.1-5001.sock` read back; nil for any other file.
    static func parse(fileName: String, in directory: String) -> Node? {
        guard fileName.hasSuffix(".sock"), let dash = fileName.firstIndex(of: "-"),
            let kind = NodeKind(rawValue: String(fileName[..<dash]))
        else { return nil }
        var rest = String(fileName[fileName.index(after: dash)...].dropLast(5))
        guard let last = rest.lastIndex(of: "-") else { return nil }
        rest.replaceSubrange(last...last, with: ":")
        guard let address = try? NodeAddress(parsing: rest[...]),
            kind.controlSocketName(for: address) == fileName
        else { return nil }
        return Node(kind: kind, address: address, path: ControlDirectory.socketPath(directory, kind: kind, address: address))
    }

    /// A connection to the node, with a time limit on each read.
    static func connect(_ node: Node, timeout: Duration?) throws(RuntimeError) -> Int32 {
        let fd = try UnixSocket.connect(node.path)
        if let timeout {
            var limit = timeval(
                tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
        return fd
    }

    /// Sends one command line and reads the answer: its lines and its end line (`OK ...` or
    /// `Error: ...`).
    static func ask(_ node: Node, _ line: String, timeout: Duration = .seconds(5)) throws(RuntimeError) -> (
        lines: [String], end: String
    ) {
        let fd = try connect(node, timeout: timeout)
        defer { close(fd) }
        try sendLine(fd, line)
        var reader = LineReader(fd: fd)
        var lines: [String] = []
        while let next = try reader.next() {
            if isEnd(next) { return (lines, next) }
            lines.append(next)
        }
        throw RuntimeError("\(node.name) closed the connection before its answer ended")
    }

    static func isEnd(_ line: String) -> Bool { line == "OK" || line.hasPrefix("OK ") || line.hasPrefix("Error:") }

    static func sendLine(_ fd: Int32, _ line: String) throws(RuntimeError) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw RuntimeError("cannot send to the control socket: \(String(cString: strerror(errno)))")
            }
            offset += sent
        }
    }

    /// Reads whole lines from a socket (blocking, within its read time limit).
    struct LineReader {
        let fd: Int32
        var pending: [UInt8] = []
        var ended = false

        /// The next whole line, nil at the end of the stream.
        mutating func next() throws(RuntimeError) -> String? {
            while true {
                if let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeFirst(newline + 1)
                    return line
                }
                if ended { return nil }
                try fill()
            }
        }

        /// One read into `pending`; sets `ended` at the end of the stream.
        mutating func fill() throws(RuntimeError) {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { return }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw RuntimeError("no answer in time") }
                throw RuntimeError("cannot read the control socket: \(String(cString: strerror(errno)))")
            }
            if count == 0 { ended = true }
            pending += chunk[0..<count]
        }
    }

    /// `--control-dir DIR`, as every control command takes it.
    static let directoryOption = OptionSpec(
        "--control-dir", "DIR", default: ControlDirectory.defaultDescription,
        "where the nodes' control sockets are (the nodes' own --control-dir)")

    /// Splits a command line into options (with their values, per `valued`) and the rest.
    static func split(_ arguments: [String], valued: Set<String>, flags: Set<String>) throws(UsageError) -> (
        options: [(String, String?)], positional: [String]
    ) {
        var options: [(String, String?)] = []
        var positional: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                positional += arguments[index...]
                break
            }
            guard argument.hasPrefix("--") else {
                positional.append(argument)
                continue
            }
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            if valued.contains(name) {
                if value == nil {
                    guard index < arguments.count else { throw UsageError("\(name) needs a value") }
                    value = arguments[index]
                    index += 1
                }
                options.append((name, value))
            } else if flags.contains(name), value == nil {
                options.append((name, nil))
            } else {
                throw UsageError("unknown option \(name)")
            }
        }
        return (options, positional)
    }

    /// An `IP:port` argument (a name resolved now).
    static func address(_ text: String) throws(UsageError) -> NodeAddress {
        guard let parsed = HostText.WithPort(parsing: text) else { throw UsageError("'\(text)' is not IP:port or name:port") }
        switch HostResolver.resolve(parsed.host) {
        case .success(let host): return NodeAddress(host: host, port: parsed.port)
        case .failure(let failure): throw UsageError("\(text): \(failure)")
        }
    }
}
