import Glibc
import GossipCore

/// A node's control socket: an AF_UNIX stream socket in this user's control directory, served
/// by the node's `EventLoop` between its other work (docs/PROTOCOL.md, "Control socket").
///
/// Bounded like everything the loop serves: at most `Limits.maxClients` clients (more are told
/// so and closed), a line cap (a longer line is answered with an error and the client closed),
/// at most `Limits.readBytes` read from a client per turn, and no input read from a client
/// while more than `Limits.maxOutputBytes` of its output waits. A monitor whose output passes
/// that bound is cut off: a slow monitor never slows the node nor makes it grow.
public final class ControlServer: LogObserver {
    public struct Limits {
        var maxClients = 8
        /// A control line: `send-escaped` and the longest escaped text fit with room to spare.
        var maxLineBytes = 4_096
        var readBytes = 4_096
        /// Output waiting for one client: a monitor past it is cut off; a client that asks
        /// past it is not read until its answers are taken.
        var maxOutputBytes = 256 << 10
        public init() {}
    }

    final class Client {
        let fd: Int32
        var framer: LineFramer
        var output: [UInt8] = []
        /// Bytes of `output` already sent.
        var sent = 0
        /// Set once the client asked for `monitor`: what it wants to see.
        var monitor: (json: Bool, types: Set<EventKind>)?
        /// Close once the output is sent.
        var closing = false
        var gone = false

        init(fd: Int32, maxLineBytes: Int) {
            self.fd = fd
            framer = LineFramer(maxLineBytes: maxLineBytes)
        }

        var waiting: Int { output.count - sent }
    }

    public let path: String
    let node: NodeAddress
    let role: NodeKind
    let limits: Limits
    private let listener: Int32
    /// The socket file's identity: removed at exit only if it is still ours.
    private let inode: (dev: UInt, ino: UInt)
    private(set) var clients: [Client] = []
    /// What the loop is to log at its next chance (the server may be called while the log is
    /// being written: it must not write to it then).
    var notes: [String] = []
    /// The clients polled this turn, in `pollfd` order after the listener.
    private var polled: [Client] = []

    public init(directory: String, role: NodeKind, address: NodeAddress, limits: Limits = Limits()) throws(RuntimeError) {
        try ControlDirectory.prepare(directory)
        path = ControlDirectory.socketPath(directory, kind: role, address: address)
        listener = try UnixSocket.listen(path)
        var info = stat()
        inode = stat(path, &info) == 0 ? (UInt(info.st_dev), UInt(info.st_ino)) : (0, 0)
        node = address
        self.role = role
        self.limits = limits
    }

    var monitoring: Bool { clients.contains { $0.monitor != nil && !$0.gone } }

    /// Appends the listener and the clients to the poll set.
    func addPollEntries(_ set: inout [pollfd]) {
        polled.removeAll(keepingCapacity: true)
        set.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
        for client in clients {
            var events: Int16 = 0
            if client.waiting <= limits.maxOutputBytes && !client.closing { events |= Int16(POLLIN) }
            if client.waiting > 0 { events |= Int16(POLLOUT) }
            set.append(pollfd(fd: client.fd, events: events, revents: 0))
            polled.append(client)
        }
    }

    /// Serves what `poll` reported (the entries from `base` on): accepts clients, reads their
    /// lines and gives each to `handle`, writes what they are owed.
    func service(_ set: [pollfd], from base: Int, handle: (Client, Substring) -> Void) {
        if set[base].revents != 0 { acceptAll() }
        for (offset, client) in polled.enumerated() where !client.gone {
            let revents = set[base + 1 + offset].revents
            if revents & Int16(POLLOUT) != 0 { flush(client) }
            if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { read(client, handle: handle) }
        }
        clients.removeAll { $0.gone }
    }

    private func acceptAll() {
        for _ in 0..<16 {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            // Defence in depth beside the directory's and the socket's modes: only this user.
            var credentials = PeerCredentials()
            var size = socklen_t(MemoryLayout<PeerCredentials>.size)
            if getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) == 0, credentials.uid != getuid(),
                credentials.uid != 0
            {
                refuse(fd, "Error: this control socket serves user \(getuid()) only")
                notes.append("refused a client of user \(credentials.uid)")
                continue
            }
            guard clients.count < limits.maxClients else {
                refuse(fd, "Error: too many control clients (\(limits.maxClients)); try later")
                notes.append("turned a client away: \(limits.maxClients) are connected")
                continue
            }
            clients.append(Client(fd: fd, maxLineBytes: limits.maxLineBytes))
        }
    }

    private func refuse(_ fd: Int32, _ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { _ = Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        Glibc.close(fd)
    }

    private func read(_ client: Client, handle: (Client, Substring) -> Void) {
        var buffer = [UInt8](repeating: 0, count: limits.readBytes)
        let count = buffer.withUnsafeMutableBytes { Glibc.recv(client.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
            drop(client)
            return
        }
        if count == 0 {
            // The client is done asking; what it is owed is still sent, then it is closed.
            client.closing = true
            if client.waiting == 0 || client.monitor != nil { drop(client) }
            return
        }
        guard client.monitor == nil else { return }  // A monitor only listens.
        buffer.withUnsafeBytes { raw in
            client.framer.feed(UnsafeRawBufferPointer(rebasing: raw[0..<count])) { item in
                guard !client.gone, !client.closing, client.monitor == nil else { return }
                switch item {
                case .line(let text): handle(client, text[...])
                case .notUTF8: reply(client, [], end: "Error: the line is not UTF-8")
                case .tooLong:
                    reply(client, [], end: "Error: line longer than \(limits.maxLineBytes) bytes; closing")
                    client.closing = true
                }
            }
        }
    }

    /// Queues an answer: its lines, then its end line (`OK`, or `Error: ...`).
    func reply(_ client: Client, _ lines: [String], end: String) {
        for line in lines { append(line, to: client) }
        append(end, to: client)
        flush(client)
    }

    private func append(_ line: String, to client: Client) {
        VisibleText.appendPrintable(line, to: &client.output)
        client.output.append(10)
    }

    /// An event just logged: rendered for every monitor that wants its kind (its output is
    /// sent once the log file has it, `logFlushed`). A monitor with more than its bound waiting
    /// is cut off.
    func logged(_ event: NodeEvent, time: [UInt8]) {
        let kind = event.kind
        for client in clients where !client.gone {
            guard let monitor = client.monitor, monitor.types.isEmpty || monitor.types.contains(kind) else { continue }
            if monitor.json {
                EventRenderer.appendJSON(event, time: time, node: node, into: &client.output)
            } else {
                EventRenderer.appendHuman(event, time: time, node: node, into: &client.output)
            }
            client.output.append(10)
            if client.waiting > limits.maxOutputBytes {
                notes.append(
                    "cut off a monitor: \(client.waiting) bytes waiting for it (at most \(limits.maxOutputBytes)); it does not read"
                )
                drop(client)
            }
        }
    }

    /// The log file has every event logged so far: the monitors are sent theirs.
    func logFlushed() {
        for client in clients where !client.gone && client.monitor != nil && client.waiting > 0 { flush(client) }
    }

    /// Sends what the socket takes now, without waiting.
    private func flush(_ client: Client) {
        while client.waiting > 0 && !client.gone {
            let sent = client.output.withUnsafeBytes {
                Glibc.send(client.fd, $0.baseAddress! + client.sent, client.waiting, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { drop(client) }
                break
            }
            client.sent += sent
        }
        if client.waiting == 0 {
            client.output.removeAll(keepingCapacity: client.monitor != nil)
            client.sent = 0
            if client.closing { drop(client) }
        } else if client.sent > 64 << 10 {
            client.output.removeFirst(client.sent)
            client.sent = 0
        }
    }

    private func drop(_ client: Client) {
        guard !client.gone else { return }
        client.gone = true
        Glibc.close(client.fd)
    }

    /// At exit: what each client is owed is sent if the socket takes it, the clients closed,
    /// and the socket file removed (if it is still the one this node made).
    func close() {
        for client in clients where !client.gone {
            flush(client)
            drop(client)
        }
        clients.removeAll()
        var info = stat()
        if stat(path, &info) == 0, UInt(info.st_dev) == inode.dev, UInt(info.st_ino) == inode.ino { unlink(path) }
        Glibc.close(listener)
    }
}

/// Linux's `struct ucred` (`SO_PEERCRED`), which Glibc's module does not export: the process,
/// user and group at the other end of a Unix socket, as the kernel saw them at `connect`.
private struct PeerCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
