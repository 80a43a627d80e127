import Glibc
import GossipCore

/// The shell: drives one instance (a seed or a peer) with real sockets and real time.
///
/// One thread, one `poll(2)` loop. Everything the node knows lives in the instance, and the
/// instance is only ever touched from this loop, so there is nothing to lock and nothing to
/// mark `Sendable`. Each turn: wait for sockets, the signal pipe or the next timer; turn what
/// happened into events; apply the instance's actions; then write out every connection's
/// queued lines and the log once.
public final class EventLoop<Instance: NodeInstance> {
    /// Bounds that keep a node's memory finite whatever its neighbours do.
    public struct Limits: Sendable {
        /// Bytes queued for one connection before it is closed as not reading.
        public var maxQueuedBytes = 4 << 20
        /// Open connections (both directions); more inbound ones are turned away. A seed sets it
        /// from its descriptor limit (`DescriptorLimit`, `--max-connections`).
        public var maxConnections = 1024
        /// Connections turned away that are logged one by one, per host per interval; the rest
        /// are counted and summarised in one line (a flood of connections must not be a flood of
        /// log lines).
        public var turnedAwayLogged = 10
        public var turnedAwayInterval: Duration = .seconds(10)
        public init() {}
    }

    public private(set) var instance: Instance
    private let listener: Int32
    private let log: LogSink
    private let signals: SignalPipe
    private let limits: Limits

    private var connections: [ConnectionID: Connection] = [:]
    private var timers = TimerTable<TimerID>()
    /// The time of the current turn.
    private var now = SystemClock.now()
    /// The `poll` set and the connection of each entry past the first three, rebuilt each turn
    /// in place (no allocation once they have grown).
    private var pollSet: [pollfd] = []
    private var order: [ConnectionID] = []
    private var nextInbound = 1
    private var actions: [Action] = []
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var dirty: [ConnectionID] = []
    /// Kept open to be given back when the process runs out of file descriptors.
    private var spareDescriptor: Int32 = open("/dev/null", O_RDONLY | O_CLOEXEC)
    /// Where operator commands come from (the peer's standard input), until it ends.
    private var commandInput: Int32?
    private var commandFramer = LineFramer()
    /// Connections turned away (too many open, no descriptors left): the first few from a host
    /// per interval are logged one by one, the rest counted and summarised in one line.
    private var turnedAway: ErrorLogLimiter<NodeAddress.Host>

    /// One socket and its buffers.
    final class Connection {
        let fd: Int32
        var framer = LineFramer()
        var output: [UInt8] = []
        var outputOffset = 0
        var connecting: Bool
        /// The instance is done with it: close once the output is written.
        var closing = false
        /// Already in `dirty` for this turn's write.
        var flushQueued = false
        /// Closed by the shell: nothing more is read from it or delivered for it (its file
        /// descriptor may already belong to a new socket).
        var dropped = false
        init(fd: Int32, connecting: Bool) {
            self.fd = fd
            self.connecting = connecting
        }
        var hasOutput: Bool { outputOffset < output.count }
    }

    /// `listener` must already be bound and listening on `instance.address`.
    /// `commands`: a file descriptor to read operator commands from, a line each (see
    /// `OperatorCommand`); it is only ever read after `poll` says it is readable, so it stays
    /// in blocking mode (it may be a terminal the node shares with its shell).
    public init(
        instance: Instance, listener: Int32, log: LogSink, signals: consuming SignalPipe, commands: Int32? = nil,
        limits: Limits = Limits()
    ) {
        self.instance = instance
        self.commandInput = commands
        // A node started in the background of a shell (`peer ... &`) must not be stopped by
        // SIGTTIN for reading the terminal: ignored, the read fails instead, and the node just
        // stops reading commands.
        if commands != nil { signal(SIGTTIN, SIG_IGN) }
        self.listener = listener
        self.log = log
        self.signals = signals
        self.limits = limits
        turnedAway = ErrorLogLimiter(burst: limits.turnedAwayLogged, interval: limits.turnedAwayInterval)
    }

    /// Runs until SIGINT or SIGTERM; returns the exit status (0 after a signal).
    public func run() -> Int32 {
        start()
        while true {
            if let status = turn() { return status }
        }
    }

    /// Starts the instance: the first step of `run`, and of a test that drives the loop itself.
    func start() {
        now = SystemClock.now()
        log.setTime(microseconds: SystemClock.wallMicroseconds())
        instance.start(now: now, actions: &actions)
        apply(now: now)
    }

    /// One turn of the loop: write what is queued, wait for the sockets, the signal pipe, the
    /// operator's input or the next timer, and handle what happened. Returns the exit status
    /// once the loop is over (a signal, or `poll` failing), nil otherwise.
    ///
    /// `maxWait`: milliseconds to wait at most (-1: until something happens). `run` waits for
    /// as long as the next timer allows; a test passes a bound so that it can look at the
    /// sockets and the instance between turns, like swift-nio's `EmbeddedChannel`.
    func turn(maxWait: Int32 = -1) -> Int32? {
        flushAll(now: now)
        pollSet.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        pollSet.append(pollfd(fd: signals.readEnd, events: Int16(POLLIN), revents: 0))
        pollSet.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
        pollSet.append(pollfd(fd: commandInput ?? -1, events: Int16(POLLIN), revents: 0))
        for (id, connection) in connections {
            var events = Int16(POLLIN)
            if connection.connecting || connection.hasOutput { events |= Int16(POLLOUT) }
            pollSet.append(pollfd(fd: connection.fd, events: events, revents: 0))
            order.append(id)
        }
        var wait = timeout(now: SystemClock.monotonic())
        if maxWait >= 0, wait < 0 || wait > maxWait { wait = maxWait }
        let ready = poll(&pollSet, nfds_t(pollSet.count), wait)
        now = SystemClock.now()
        log.setTime(microseconds: SystemClock.wallMicroseconds())
        if ready < 0 && errno != EINTR {
            log.write("Fatal: poll failed: \(Errno.text())")
            log.flush()
            return 1
        }
        if pollSet[0].revents != 0, let signal = signals.take() {
            shutdown(signal: signal, now: now)
            return 0
        }
        if pollSet[1].revents != 0 { acceptAll(now: now) }
        if pollSet[2].revents != 0 { readCommands(now: now) }
        for (index, id) in order.enumerated() where pollSet[index + 3].revents != 0 {
            service(id, revents: pollSet[index + 3].revents, now: now)
        }
        fireTimers(now: now)
        if let due = turnedAway.summaryDue, now.instant >= due {
            for summary in turnedAway.summaries(now: now.instant) {
                log.write(
                    "\(summary.suppressed) more connections from \(summary.source.map { "\($0)" } ?? "other hosts") turned away "
                        + "(at most \(turnedAway.burst) logged per \(turnedAway.interval.secondsText))")
            }
        }
        return nil
    }

    /// How many connections are open (tests look at it between turns).
    var connectionCount: Int { connections.count }

    // MARK: Events in

    private func deliver(_ event: Event, now: Now) {
        instance.handle(event, now: now, actions: &actions)
        apply(now: now)
    }

    private func acceptAll(now: Now) {
        for _ in 0..<64 {
            guard let (fd, remote) = Sockets.accept(listener) else {
                if errno == EMFILE || errno == ENFILE { shedOneConnection(now: now) }
                return
            }
            if connections.count >= limits.maxConnections {
                let refusal = Array("Error:too many connections (\(limits.maxConnections)); try later\n".utf8)
                refusal.withUnsafeBytes { _ = send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                if turnedAway.admit(remote.host, now: now.instant) {
                    log.write("Turned away a connection from \(remote): \(limits.maxConnections) connections open")
                }
                continue
            }
            let id = ConnectionID(.inbound, nextInbound)
            nextInbound += 1
            register(Connection(fd: fd, connecting: false), as: id)
            deliver(.accepted(id, remote: remote), now: now)
        }
    }

    /// Out of file descriptors, a pending connection cannot be accepted, and the listener stays
    /// readable: `poll` would return at once, forever. Give back the spare descriptor kept for
    /// this moment, accept the connection, tell it why, close it, and take the spare again.
    private func shedOneConnection(now: Now) {
        if spareDescriptor >= 0 { close(spareDescriptor) }
        if let (fd, remote) = Sockets.accept(listener) {
            let refusal = Array("Error:this node has no file descriptors left; try later\n".utf8)
            refusal.withUnsafeBytes { _ = send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(fd)
            if turnedAway.admit(remote.host, now: now.instant) {
                log.write(
                    "Turned away a connection from \(remote): out of file descriptors (\(connections.count) connections open)")
            }
        }
        spareDescriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    private func readCommands(now: Now) {
        guard let fd = commandInput else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        var lines: [LineFramer.Item] = []
        if count <= 0 {
            if count < 0 && errno == EINTR { return }
            if count < 0 { log.write("Standard input cannot be read (\(Errno.text())); operator commands are off") }
            commandInput = nil  // End of input: the node runs on without commands.
            // A last command without its newline (`printf broadcast | peer ...`) still counts.
            if count == 0, let last = commandFramer.finish() { lines.append(last) }
        } else {
            chunk.withUnsafeBytes { commandFramer.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count])) { lines.append($0) } }
        }
        for item in lines {
            guard case .line(let text) = item else {
                log.write("Unknown command (not a line of text); \(OperatorCommand.help)")
                continue
            }
            if text[...].trimmingWhitespace().isEmpty { continue }
            guard let command = OperatorCommand(parsing: text[...]) else {
                log.write("Unknown command '\(Message.quote(text[...]))'; \(OperatorCommand.help)")
                continue
            }
            log.write("Command: \(Message.quote(text[...].trimmingWhitespace()))")
            deliver(.command(command), now: now)
        }
        if commandFramer.failed { commandFramer = LineFramer() }
    }

    private func service(_ id: ConnectionID, revents: Int16, now: Now) {
        guard let connection = connections[id] else { return }
        if connection.connecting {
            guard revents & Int16(POLLOUT | POLLERR | POLLHUP) != 0 else { return }
            if let error = Sockets.connectError(connection.fd) {
                drop(id)
                deliver(.connectFailed(id, reason: error), now: now)
                return
            }
            connection.connecting = false
            deliver(.connected(id), now: now)
            markDirty(id)
            return
        }
        if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { read(id, connection, now: now) }
        if revents & Int16(POLLOUT) != 0, connections[id] != nil { write(id, connection, now: now) }
    }

    private func read(_ id: ConnectionID, _ connection: Connection, now: Now) {
        // A bounded number of reads per turn, so one busy sender cannot starve the others.
        for _ in 0..<16 {
            let count = readBuffer.withUnsafeMutableBytes { Glibc.read(connection.fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                failed(id, connection, now: now)
                return
            }
            if count == 0 {
                let pending = connection.framer.pendingByteCount
                drop(id)
                if !connection.closing {
                    deliver(.closed(id, pending > 0 ? .endOfStreamMidLine(pending) : .endOfStream), now: now)
                }
                return
            }
            var tooLong = false
            readBuffer.withUnsafeBytes { raw in
                connection.framer.feed(UnsafeRawBufferPointer(rebasing: raw[0..<count])) { item in
                    // Once the instance closed the connection, what follows is not for it.
                    guard !connection.closing, !connection.dropped, !tooLong else { return }
                    switch item {
                    case .line(let text): deliver(.line(id, text), now: now)
                    case .notUTF8(let bytes): deliver(.lineNotUTF8(id, byteCount: bytes), now: now)
                    case .tooLong:
                        tooLong = true
                        deliver(.lineTooLong(id), now: now)
                    }
                }
            }
            if tooLong {
                // The stream can no longer be trusted: send what the instance queued, then close.
                connection.closing = true
                markDirty(id)
                return
            }
            if connection.closing || connection.dropped { return }
            // A short read drained the socket: skip the read that would only say EAGAIN (an
            // idle node's wake-ups are mostly syscalls). Anything arriving meanwhile makes the
            // next poll return at once.
            if count < readBuffer.count { return }
        }
    }

    /// Fires the due timers, earliest first (equal deadlines in the order they were armed),
    /// asking the table again after each: a handler may cancel or move another timer, and a
    /// cancelled or replaced deadline must not fire. (Handlers only ever schedule in the future,
    /// so this ends.) No allocation: it runs every turn, also on the busiest path.
    private func fireTimers(now: Now) {
        while let id = timers.popDue(now: now.instant) {
            deliver(.timer(id), now: now)
        }
    }

    // MARK: Actions out

    private func apply(now: Now) {
        // Actions can lead to more events (a connect that fails at once); take them in order.
        var index = 0
        while index < actions.count {
            let action = actions[index]
            index += 1
            switch action {
            case .connect(let id, let address):
                switch Sockets.connect(to: address, from: instance.address.host) {
                case .inProgress(let fd):
                    register(Connection(fd: fd, connecting: true), as: id)
                case .failed(let why):
                    instance.handle(.connectFailed(id, reason: why), now: now, actions: &actions)
                }
            case .send(let id, let message):
                guard let connection = connections[id], !connection.closing else { continue }
                connection.output.append(contentsOf: message.encoded.utf8)
                connection.output.append(10)
                if connection.output.count - connection.outputOffset > limits.maxQueuedBytes {
                    drop(id)
                    instance.handle(.closed(id, .writeQueueFull), now: now, actions: &actions)
                } else if !connection.flushQueued {
                    connection.flushQueued = true
                    dirty.append(id)
                }
            case .close(let id):
                guard let connection = connections[id] else { continue }
                connection.closing = true
                markDirty(id)
            case .log(let entry):
                log.write(entry)
            case .cancel(let id):
                timers.cancel(id)
            case .schedule(let id, let at):
                timers.schedule(id, at: at)
            }
        }
        actions.removeAll(keepingCapacity: true)
    }

    /// Queues the connection for the end-of-turn write, once however many lines it was given.
    private func markDirty(_ id: ConnectionID) {
        guard let connection = connections[id], !connection.flushQueued else { return }
        connection.flushQueued = true
        dirty.append(id)
    }

    /// Writes every connection's queued output (one `send` per connection per turn in the
    /// common case), closes those the instance is done with, then writes the log.
    private func flushAll(now: Now) {
        let ids = dirty
        dirty.removeAll(keepingCapacity: true)
        for id in ids {
            guard let connection = connections[id] else { continue }
            connection.flushQueued = false
            guard !connection.connecting else { continue }
            write(id, connection, now: now)
        }
        log.flush()
    }

    private func write(_ id: ConnectionID, _ connection: Connection, now: Now) {
        while connection.hasOutput {
            let sent = connection.output.withUnsafeBytes {
                send(
                    connection.fd, $0.baseAddress! + connection.outputOffset, $0.count - connection.outputOffset,
                    Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                failed(id, connection, now: now)
                return
            }
            connection.outputOffset += sent
        }
        connection.output.removeAll(keepingCapacity: connection.output.capacity <= 1 << 16)
        connection.outputOffset = 0
        if connection.closing { drop(id) }
    }

    // MARK: Bookkeeping

    /// A socket call failed (reset, broken pipe, ...): the connection is gone, and the instance
    /// hears why unless it had closed the connection itself.
    private func failed(_ id: ConnectionID, _ connection: Connection, now: Now) {
        let why = Errno.text()
        drop(id)
        if !connection.closing { deliver(.closed(id, .failed(why)), now: now) }
    }

    private func register(_ connection: Connection, as id: ConnectionID) {
        connections[id] = connection
    }

    private func drop(_ id: ConnectionID) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        connection.dropped = true
        close(connection.fd)
    }

    /// Milliseconds until the next timer (rounded up), or -1 to wait for sockets only.
    private func timeout(now: Instant) -> Int32 {
        guard let next = timers.nextDeadline else { return -1 }
        let nanos = next.nanoseconds - now.nanoseconds
        if nanos <= 0 { return 0 }
        return Int32(min((nanos + 999_999) / 1_000_000, Int64(Int32.max)))
    }

    private func shutdown(signal: Int32, now: Now) {
        log.write("Received \(SignalPipe.name(signal)); closing \(connections.count) connections and exiting")
        // The instance's goodbye (a peer's `Leave`) is queued like any output and written below.
        deliver(.stopping, now: now)
        for (id, connection) in connections {
            if !connection.connecting { write(id, connection, now: now) }
            drop(id)
        }
        close(listener)
        log.write("Stopped")
        log.flush()
    }
}
