import Glibc
import GossipCore

/// The shell: drives one instance (a seed or a peer) with real sockets and real time.
///
/// One thread, one `poll(2)` loop. Everything the node knows lives in the instance, and the
/// instance is only ever touched from this loop, so there is nothing to lock and nothing to
/// mark `Sendable`. Each turn: write the log, then every connection's queued lines (the log
/// first: a message is in the log file before it is forwarded); wait for sockets, the signal
/// pipe or the next timer; turn what happened into events, each connection getting a bounded
/// share of the turn (`TurnBudget`); apply the instance's actions; fire the due timers.
///
/// Work and memory are bounded by construction (docs/PROTOCOL.md, "Bounded work"): a turn
/// delivers at most `Limits.maxLinesPerTurn` lines, so replies and timers wait for at most
/// one turn's work; output is bounded per connection and in total, and a connection that does
/// not read is cut off, never buffered without bound; the log buffer is written whenever it
/// passes a bound.
public final class EventLoop<Instance: NodeInstance> {
    /// Bounds that keep a node's memory and its turns finite whatever its neighbours do.
    public struct Limits: Sendable {
        /// Bytes queued for one connection before it is closed as not reading: 64 lines of
        /// the longest kind (4 KiB), 25 chunks of the catch-up a new link gets (128 messages
        /// of at most 80 bytes every 10 ms). The kernel's socket buffers come on top of it.
        public var maxQueuedBytes = 256 << 10
        /// Bytes queued for all connections together. Past it, the connection with the most
        /// queued (the slowest reader) is closed.
        public var maxTotalQueuedBytes = 8 << 20
        /// Open connections (both directions); more inbound ones are turned away. A seed sets it
        /// from its descriptor limit (`DescriptorLimit`, `--max-connections`).
        public var maxConnections = 1024
        /// Lines delivered to the instance in one turn, over all connections, at most; fewer
        /// when turns take longer than `turnTarget` (`TurnBudget`).
        public var maxLinesPerTurn = 4096
        /// The lines of a turn after a quiet one, and the fewest a turn gets.
        public var minLinesPerTurn = 64
        /// The CPU time a turn should take, its writes, poll and lines together: what a reply
        /// waits for, a few times over (`TurnBudget`).
        public var turnTarget = Duration.milliseconds(5)
        /// Bytes read from a connection in one `read`.
        public var maxReadBytes = 64 << 10
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
    /// Every connection at its `slot` (nil: a free slot), the order they are polled in.
    private var slots: [Connection?] = []
    private var freeSlots: [Int] = []
    /// The slot served first in the next turn: after the last one a turn had budget for.
    private var rotation = 0
    /// Bytes queued for all connections (`Limits.maxTotalQueuedBytes`).
    private(set) var queuedBytes = 0
    private var timers = TimerTable<TimerID>()
    /// The time of the current turn.
    private var now = SystemClock.now()
    /// The `poll` set and the connection of each entry past the first three, rebuilt each turn
    /// in place (no allocation once they have grown).
    private var pollSet: [pollfd] = []
    private var order: [Connection] = []
    private var nextInbound = 1
    private var actions: [Action] = []
    /// The storage of the last batch `apply` went through, kept for the next one.
    private var spareActions: [Action] = []
    /// Recently sent-to connections by a hash of their id (`sendTarget`); a power of two.
    private var sendTargets = [Connection?](repeating: nil, count: 16)
    private var readBuffer: [UInt8]
    private var dirty: [Connection] = []
    /// Kept open to be given back when the process runs out of file descriptors.
    private var spareDescriptor: Int32 = open("/dev/null", O_RDONLY | O_CLOEXEC)
    /// Where operator commands come from (the peer's standard input), until it ends.
    private var commandInput: Int32?
    private var commandFramer = LineFramer()
    /// The lines of the next turn (`TurnBudget`), and what the current one served.
    private(set) var budget: TurnBudget
    private var lastTurn = (busy: 0, lines: 0)
    /// The thread's CPU time at the end of the last turn with input (`turn`).
    private var cpuAtLastMeasure = SystemClock.threadCPUTime()
    /// Connections turned away (too many open, no descriptors left): the first few from a host
    /// per interval are logged one by one, the rest counted and summarised in one line.
    private var turnedAway: ErrorLogLimiter<NodeAddress.Host>
    /// The operator's control socket (`ControlServer`, `EventLoop+Control` below), if any.
    private let control: ControlServer?
    /// When the loop started, for the control socket's `status`.
    private var startedAt = SystemClock.monotonic()


    /// `listener` must already be bound and listening on `instance.address`.
    /// `commands`: a file descriptor to read operator commands from, a line each (see
    /// `OperatorCommand`); it is only ever read after `poll` says it is readable, so it stays
    /// in blocking mode (it may be a terminal the node shares with its shell).
    public init(
        instance: Instance, listener: Int32, log: LogSink, signals: consuming SignalPipe, commands: Int32? = nil,
        limits: Limits = Limits(), control: ControlServer? = nil
    ) {
        self.instance = instance
        self.control = control
        self.commandInput = commands
        // A node started in the background of a shell (`peer ... &`) must not be stopped by
        // SIGTTIN for reading the terminal: ignored, the read fails instead, and the node just
        // stops reading commands.
        if commands != nil { signal(SIGTTIN, SIG_IGN) }
        self.listener = listener
        self.log = log
        self.signals = signals
        self.limits = limits
        self.readBuffer = [UInt8](repeating: 0, count: limits.maxReadBytes)
        self.budget = TurnBudget(maximum: limits.maxLinesPerTurn, minimum: limits.minLinesPerTurn, target: limits.turnTarget)
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
        startedAt = now.instant
        log.setTime(microseconds: SystemClock.wallMicroseconds())
        if let control { log.write(.controlSocket(path: control.path)) }
        instance.start(now: now, actions: &actions)
        apply(now: now)
    }

    /// One turn of the loop: write the log and what is queued, wait for the sockets, the
    /// signal pipe, the operator's input or the next timer, and handle what happened (each
    /// connection within its share of the turn), then fire the due timers. Returns the exit
    /// status once the loop is over (a signal, or `poll` failing), nil otherwise.
    ///
    /// `maxWait`: milliseconds to wait at most (-1: until something happens). `run` waits for
    /// as long as the next timer allows; a test passes a bound so that it can look at the
    /// sockets and the instance between turns, like swift-nio's `EmbeddedChannel`.
    func turn(maxWait: Int32 = -1) -> Int32? {
        // What the turn costs, writes and poll included (CPU time: waiting costs none), read
        // at the end of a turn that delivered at least the budget's minimum: from the end of
        // the last turn measured, so one clock read (a system call) a turn at most. A turn with
        // fewer lines is not measured, since it could not move the budget below its minimum;
        // an idle node, which delivers a line or two a turn, reads no clock at all. What the
        // turns in between cost is counted into the next measured one; that can only make it
        // look dearer, and so the next turns smaller, never larger.
        defer {
            if lastTurn.busy == 0 {
                budget.turnWasQuiet()
            } else if lastTurn.lines >= budget.minimum {
                let cpu = SystemClock.threadCPUTime()
                budget.turnTook(cpu - cpuAtLastMeasure, delivered: lastTurn.lines)
                cpuAtLastMeasure = cpu
            }
            lastTurn = (0, 0)
        }
        flushAll(now: now)
        pollSet.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        pollSet.append(pollfd(fd: signals.readEnd, events: Int16(POLLIN), revents: 0))
        pollSet.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
        pollSet.append(pollfd(fd: commandInput ?? -1, events: Int16(POLLIN), revents: 0))
        var holdingInput = false
        for case let connection? in slots {
            if connection.hasHeldInput { holdingInput = true }
            var events = Int16(POLLIN)
            if connection.connecting || connection.hasOutput { events |= Int16(POLLOUT) }
            pollSet.append(pollfd(fd: connection.fd, events: events, revents: 0))
            order.append(connection)
        }
        let controlBase = pollSet.count
        control?.addPollEntries(&pollSet)
        // Input held over from the last turn is ready now: do not wait for the sockets.
        var wait = holdingInput ? 0 : timeout(now: SystemClock.monotonic())
        if maxWait >= 0, wait < 0 || wait > maxWait { wait = maxWait }
        let ready = poll(&pollSet, nfds_t(pollSet.count), wait)
        now = SystemClock.now()
        log.setTime(microseconds: SystemClock.wallMicroseconds())
        if ready < 0 && errno != EINTR {
            log.write(.pollFailed(Errno.text()))
            log.flush()
            control?.close()
            return 1
        }
        if pollSet[0].revents != 0, let signal = signals.take() {
            shutdown(because: .signal(SignalPipe.name(signal), connections: connections.count), now: now)
            return 0
        }
        if pollSet[1].revents != 0 { acceptAll(now: now) }
        if pollSet[2].revents != 0 { readCommands(now: now) }
        serviceConnections(now: now)
        if let control, serviceControl(control, from: controlBase, now: now) {
            shutdown(because: .leaveRequested(connections: connections.count), now: now)
            return 0
        }
        fireTimers(now: now)
        if let due = turnedAway.summaryDue, now.instant >= due {
            for summary in turnedAway.summaries(now: now.instant) {
                log.write(
                    .turnedAwaySuppressed(
                        count: summary.suppressed, source: summary.source.map { "\($0)" } ?? "other hosts",
                        burst: turnedAway.burst, interval: turnedAway.interval))
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
                    log.write(.turnedAway(remote: remote, open: limits.maxConnections))
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
                log.write(.turnedAwayNoDescriptors(remote: remote, open: connections.count))
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
            if count < 0 { log.write(.commandsOff(Errno.text())) }
            commandInput = nil  // End of input: the node runs on without commands.
            // A last command without its newline (`printf broadcast | peer ...`) still counts.
            if count == 0, let last = commandFramer.finish() { lines.append(last) }
        } else {
            chunk.withUnsafeBytes { commandFramer.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count])) { lines.append($0) } }
        }
        for item in lines {
            guard case .line(let text) = item else {
                log.write(.unreadableCommand)
                continue
            }
            if text[...].trimmingWhitespace().isEmpty { continue }
            guard let command = OperatorCommand(parsing: text[...]) else {
                log.write(.unknownCommand(Message.excerpt(text, limit: 60)))
                continue
            }
            log.write(.command(Message.excerpt(text[...].trimmingWhitespace(), limit: 60)))
            deliver(.command(command), now: now)
        }
        if commandFramer.failed { commandFramer = LineFramer() }
    }

    /// Serves the connections polled this turn. Each with input (ready, or held over) gets
    /// `TurnBudget.share` lines, until the turn's lines (`budget`) are spent. First those that
    /// had no input the turn before (a neighbour's occasional request, a fresh connection's
    /// first line): they are answered in this turn however many others keep sending. Then the
    /// rest, starting at `rotation`; the first one left without its share is served first next
    /// turn.
    private func serviceConnections(now: Now) {
        let inputEvents = Int16(POLLIN | POLLHUP | POLLERR)
        var busy = 0
        for index in order.indices where pollSet[index + 3].revents & inputEvents != 0 || order[index].hasHeldInput {
            busy += 1
        }
        let turnLines = budget.lines
        let share = TurnBudget.share(linesPerTurn: turnLines, busy: busy)
        var left = turnLines
        // `order` is in slot order: start at the first connection at or after `rotation`.
        let count = order.count
        var first = 0
        while first < count && order[first].slot < rotation { first += 1 }
        if first == count { first = 0 }
        var nextRotation: Int?
        for pass in 0..<2 {
            for step in 0..<count {
                let index = (first + step) % count
                let connection = order[index]
                let revents = pollSet[index + 3].revents
                guard !connection.dropped else { continue }
                if connection.connecting {
                    if pass == 1 && revents != 0 { finishConnect(connection, revents: revents, now: now) }
                    continue
                }
                let hasInput = revents & inputEvents != 0 || connection.hasHeldInput
                if hasInput && (pass == 0) != connection.hadInput {
                    if left > 0 {
                        left -= read(connection, lines: min(share, left), now: now)
                    } else if nextRotation == nil {
                        nextRotation = connection.slot
                    }
                }
                guard pass == 1 else { continue }
                connection.hadInput = hasInput
                if revents & Int16(POLLOUT) != 0, !connection.dropped { write(connection, now: now) }
            }
        }
        lastTurn = (busy, turnLines - left)
        rotation = nextRotation ?? (count > 0 ? order[first].slot + 1 : 0)
    }

    private func finishConnect(_ connection: Connection, revents: Int16, now: Now) {
        guard revents & Int16(POLLOUT | POLLERR | POLLHUP) != 0 else { return }
        if let error = Sockets.connectError(connection.fd) {
            drop(connection)
            deliver(.connectFailed(connection.id, reason: error), now: now)
            return
        }
        connection.connecting = false
        deliver(.connected(connection.id), now: now)
        markDirty(connection)
    }

    /// Delivers up to `lines` lines from the connection: first what an earlier turn held over,
    /// then from the socket. What is read beyond the share is held for the next turn. Returns
    /// the lines delivered.
    private func read(_ connection: Connection, lines: Int, now: Now) -> Int {
        var delivered = 0
        if connection.hasHeldInput {
            connection.takeHeldInput { bytes in
                let (taken, count) = frame(connection, bytes, lines: lines, now: now)
                delivered += count
                return taken
            }
            if connection.closing || connection.dropped {
                connection.releaseHeldInput()
                return delivered
            }
            if connection.hasHeldInput { return delivered }
        }
        while delivered < lines {
            let size = TurnBudget.readSize(lines: lines - delivered, maxRead: readBuffer.count)
            let count = readBuffer.withUnsafeMutableBytes { Glibc.read(connection.fd, $0.baseAddress, size) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return delivered }
                failed(connection, now: now)
                return delivered
            }
            if count == 0 {
                let pending = connection.framer.pendingByteCount
                drop(connection)
                if !connection.closing {
                    deliver(.closed(connection.id, pending > 0 ? .endOfStreamMidLine(pending) : .endOfStream), now: now)
                }
                return delivered
            }
            readBuffer.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                let (taken, lineCount) = frame(connection, bytes, lines: lines - delivered, now: now)
                delivered += lineCount
                if taken < count, !connection.closing, !connection.dropped {
                    connection.hold(UnsafeRawBufferPointer(rebasing: bytes[taken...]))
                }
            }
            if connection.hasHeldInput || connection.closing || connection.dropped { return delivered }
            // A short read drained the socket: skip the read that would only say EAGAIN (an
            // idle node's wake-ups are mostly syscalls). Anything arriving meanwhile makes the
            // next poll return at once.
            if count < size { return delivered }
        }
        return delivered
    }

    /// Frames the first `lines` lines of `bytes` and delivers them. Returns the bytes taken and
    /// the lines among them.
    private func frame(_ connection: Connection, _ bytes: UnsafeRawBufferPointer, lines: Int, now: Now) -> (Int, Int) {
        var tooLong = false
        var lineCount = 0
        let taken = connection.framer.feed(bytes, maxItems: lines) { item in
            lineCount += 1
            // Once the instance closed the connection, what follows is not for it.
            guard !connection.closing, !connection.dropped, !tooLong else { return }
            switch item {
            case .line(let text): deliver(.line(connection.id, text), now: now)
            case .notUTF8(let count): deliver(.lineNotUTF8(connection.id, byteCount: count), now: now)
            case .tooLong:
                tooLong = true
                deliver(.lineTooLong(connection.id), now: now)
            }
        }
        if tooLong, !connection.dropped {
            // The stream can no longer be trusted: send what the instance queued, then close.
            connection.closing = true
            markDirty(connection)
        }
        return (taken, lineCount)
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

    /// Applies the instance's actions in order. They are moved out of the array, not copied
    /// out one by one: a relaying peer applies four per message (three sends and a log line),
    /// and copying an `Action` (a nested enum holding the message's text) was a fifth of its
    /// CPU. Actions added meanwhile (a connect that fails at once, a connection cut off) go to
    /// `actions` again and are applied after the batch, in order.
    private func apply(now: Now) {
        while !actions.isEmpty {
            var batch = spareActions
            spareActions = []
            swap(&batch, &actions)
            batch.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                for index in 0..<buffer.count {
                    // Moved out, and a payload-free action put in its place (the array still
                    // owns an initialised element there): the message is neither copied nor
                    // retained, and destroying the batch below touches no reference count.
                    let action = (base + index).move()
                    (base + index).initialize(to: .cancel(.gossip))
                    perform(action, now: now)
                }
            }
            batch.removeAll(keepingCapacity: true)
            spareActions = batch
        }
    }

    private func perform(_ action: consuming Action, now: Now) {
        switch consume action {
        case .connect(let id, let address):
            switch Sockets.connect(to: address, from: instance.address.host) {
            case .inProgress(let fd):
                register(Connection(fd: fd, connecting: true), as: id)
            case .failed(let why):
                instance.handle(.connectFailed(id, reason: why), now: now, actions: &actions)
            }
        case .send(let id, let message):
            guard let connection = sendTarget(id), !connection.closing else { return }
            queuedBytes += connection.enqueue(message)
            if connection.queuedBytes > limits.maxQueuedBytes {
                cutOff(connection, because: "\(connection.queuedBytes) bytes queued for it (at most \(limits.maxQueuedBytes) per connection)", now: now)
            } else if queuedBytes > limits.maxTotalQueuedBytes {
                cutOffSlowestReader(now: now)
                if !connection.dropped { markDirty(connection) }
            } else if !connection.flushQueued {
                connection.flushQueued = true
                dirty.append(connection)
            }
        case .close(let id):
            guard let connection = connections[id] else { return }
            connection.closing = true
            markDirty(connection)
        case .log(let entry):
            log.write(entry)
        case .cancel(let id):
            timers.cancel(id)
        case .schedule(let id, let at):
            timers.schedule(id, at: at)
        }
    }

    /// The open connection `id` names, looked up in `sendTargets` first: a message is sent to
    /// the same few links again and again, and hashing a `ConnectionID` for the dictionary on
    /// each send was 5 % of a relaying peer's CPU. An entry is right if its id matches and it
    /// is not dropped (ids are never reused, and a dropped connection leaves `connections`).
    private func sendTarget(_ id: ConnectionID) -> Connection? {
        let slot = sendTargetSlot(id)
        if let cached = sendTargets[slot], cached.id == id, !cached.dropped { return cached }
        guard let connection = connections[id] else { return nil }
        sendTargets[slot] = connection
        return connection
    }

    private func sendTargetSlot(_ id: ConnectionID) -> Int {
        (id.number &<< 1 | (id.direction == .inbound ? 1 : 0)) & (sendTargets.count - 1)
    }

    /// Queues the connection for the start-of-turn write, once however many lines it was given.
    private func markDirty(_ connection: Connection) {
        guard !connection.flushQueued, !connection.dropped else { return }
        connection.flushQueued = true
        dirty.append(connection)
    }

    /// Writes the log, then every connection's queued output (one `send` per connection per
    /// turn in the common case), and closes those the instance is done with.
    private func flushAll(now: Now) {
        log.flush()
        let pending = dirty
        dirty.removeAll(keepingCapacity: true)
        for connection in pending {
            connection.flushQueued = false
            guard !connection.dropped, !connection.connecting else { continue }
            write(connection, now: now)
        }
    }

    /// Sends what the socket takes of the connection's output. The log is written first
    /// (write-ahead): whatever led to this output, a forwarded message or the reply to a
    /// request, is in the log file before the other end can see it, also if the node is
    /// killed right after.
    private func write(_ connection: Connection, now: Now) {
        log.flush()
        let (sent, error) = connection.send()
        queuedBytes -= sent
        if let error {
            failed(connection, error: error, now: now)
        } else if connection.closing && !connection.hasOutput {
            drop(connection)
        }
    }

    /// A connection that does not read what it is sent is closed, with the reason in the log,
    /// rather than buffered without bound; the instance hears `.writeQueueFull`.
    private func cutOff(_ connection: Connection, because reason: String, now: Now) {
        log.write(.cutOff(remote: Sockets.remoteAddress(connection.fd), reason: reason))
        let closing = connection.closing
        drop(connection)
        if !closing { instance.handle(.closed(connection.id, .writeQueueFull), now: now, actions: &actions) }
    }

    /// The output of all connections passed its bound: the connection with the most queued
    /// (the slowest reader) goes. A scan of every connection, but each one frees at least an
    /// equal share of the bound.
    private func cutOffSlowestReader(now: Now) {
        var slowest: Connection?
        for case let connection? in slots where connection.queuedBytes > (slowest?.queuedBytes ?? 0) {
            slowest = connection
        }
        guard let slowest else { return }
        cutOff(
            slowest,
            because: "\(slowest.queuedBytes) bytes queued for it, the most of any connection, and \(queuedBytes) for all "
                + "(at most \(limits.maxTotalQueuedBytes) in all)", now: now)
    }

    // MARK: Bookkeeping

    /// A socket call failed (reset, broken pipe, ...): the connection is gone, and the instance
    /// hears why unless it had closed the connection itself.
    private func failed(_ connection: Connection, error: Int32 = errno, now: Now) {
        let why = Errno.text(error)
        drop(connection)
        if !connection.closing { deliver(.closed(connection.id, .failed(why)), now: now) }
    }

    private func register(_ connection: Connection, as id: ConnectionID) {
        connection.id = id
        connection.slot = freeSlots.popLast() ?? slots.count
        if connection.slot == slots.count { slots.append(connection) } else { slots[connection.slot] = connection }
        connections[id] = connection
    }

    private func drop(_ connection: Connection) {
        guard !connection.dropped else { return }
        connection.dropped = true
        connections[connection.id] = nil
        if sendTargets[sendTargetSlot(connection.id)] === connection { sendTargets[sendTargetSlot(connection.id)] = nil }
        slots[connection.slot] = nil
        freeSlots.append(connection.slot)
        queuedBytes -= connection.discardOutput()
        close(connection.fd)
    }

    /// Milliseconds until the next timer (rounded up), or -1 to wait for sockets only.
    private func timeout(now: Instant) -> Int32 {
        guard let next = timers.nextDeadline else { return -1 }
        let nanos = next.nanoseconds - now.nanoseconds
        if nanos <= 0 { return 0 }
        return Int32(min((nanos + 999_999) / 1_000_000, Int64(Int32.max)))
    }

    /// Stops the node: `why` is the event saying what asked for it (a signal, `leave`).
    private func shutdown(because why: NodeEvent, now: Now) {
        log.write(why)
        // The instance's goodbye (a peer's `Leave`) is queued like any output and written below.
        deliver(.stopping, now: now)
        for case let connection? in slots {
            if !connection.connecting { write(connection, now: now) }
            drop(connection)
        }
        // The control socket first: once the port is free, a new node may make its own.
        control?.close()
        close(listener)
        log.write(.stopped)
        log.flush()
    }
}

// MARK: The control socket

extension EventLoop {
    /// Serves the control socket's clients (their poll entries start at `base`): each line a
    /// `ControlCommand`, answered with lines and an end line. Returns true when asked to leave.
    private func serviceControl(_ control: ControlServer, from base: Int, now: Now) -> Bool {
        var leaving = false
        control.service(pollSet, from: base) { client, line in
            let command: ControlCommand
            do { command = try ControlCommand.parse(line) } catch {
                control.reply(client, [], end: "Error: \(error)")
                return
            }
            switch command {
            case .node(let order):
                guard instance.kind == .peer else {
                    control.reply(client, [], end: "Error: a seed does not send messages; ask a peer")
                    return
                }
                log.write(.controlCommand(Message.excerpt(line.trimmingWhitespace(), limit: 80)))
                deliver(.command(order), now: now)
                control.reply(client, [], end: "OK")
            case .status:
                let uptime = now.instant - startedAt
                let lines = ["role: \(instance.kind.rawValue)", "address: \(instance.address)", "uptime: \(uptime.secondsText)"]
                control.reply(client, lines + instance.answer(.status, now: now), end: "OK")
            case .members:
                control.reply(client, instance.answer(.members, now: now), end: "OK")
            case .leave:
                control.reply(client, [], end: "OK leaving")
                leaving = true
            case .help:
                control.reply(client, [ControlCommand.usage, "event types: " + MonitorFormat.kinds.joined(separator: ",")], end: "OK")
            case .monitor(let json, let types):
                switch MonitorFormat.select(types) {
                case .failure(let unknown):
                    control.reply(
                        client, [],
                        end: "Error: no event type starts with '\(unknown.name)'; types: " + MonitorFormat.kinds.joined(separator: ","))
                case .success(let kinds):
                    control.reply(client, [], end: "OK monitoring")
                    client.monitor = (json, kinds)
                }
            }
        }
        for note in control.notes { log.write(.controlNote(note)) }
        control.notes.removeAll()
        // The log is shown to monitors only while there are some (set on a change, not per turn).
        if control.monitoring != (log.observer != nil) {
            log.observer = control.monitoring ? control : nil
        }
        return leaving
    }
}
