/// The vocabulary between a protocol state machine (the *instance*) and whatever drives it
/// (the *shell*: the real runtime, or the simulator). See `docs/ARCHITECTURE.md`.
///
/// The instance receives `Event`s with the current time and answers with `Action`s. It never
/// reads a clock, touches a socket or draws from a global random source.

/// One connection, named by whoever opened it: the instance names the connections it asks
/// for (`outbound`), the shell names the ones it accepts (`inbound`), so the two never clash.
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    public enum Direction: Hashable, Sendable { case inbound, outbound }
    public let direction: Direction
    public let number: Int

    public init(_ direction: Direction, _ number: Int) {
        self.direction = direction
        self.number = number
    }

    public var description: String { (direction == .inbound ? "in#" : "out#") + String(number) }

    /// One word to hash instead of two fields (connection tables are looked up per message).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(number << 1 | (direction == .inbound ? 1 : 0))
    }
}

/// The timers an instance can ask for. At most one of each is armed: asking again replaces
/// the deadline, so a superseded timer can never fire.
public enum TimerID: Hashable, Sendable {
    /// Create and send the next own gossip message.
    case gossip
    /// Send every neighbour a liveness request.
    case liveness
    /// The replies to the last liveness requests are due.
    case livenessTimeout
    /// A seed's periodic look at its members: probes suspects, drops the confirmed dead,
    /// suspects the silent, forgets old departures.
    case membership
    /// The earliest deadline of a connection in a waiting phase is due (a peer's inbound
    /// connection that has not said who it is, a probe that has not answered).
    case connectionDeadline
    /// A seed's connections whose time is up: unidentified ones closed, new registrations'
    /// probes given up; and the summaries of repeated refusals.
    case connectionDeadlines
    /// A peer asks again the seeds that refused or failed it, once their backoff is over.
    case registrationRetry
    /// A peer sends the next chunk of the catch-up to each neighbour still catching up.
    case catchUp
}

/// A point on a monotonic clock (nanoseconds from an arbitrary origin). Deadlines are set on
/// it, so a wall-clock jump cannot stall or rush a timer.
public struct Instant: Hashable, Sendable, Comparable {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }
    public static func + (a: Instant, d: Duration) -> Instant { Instant(nanoseconds: a.nanoseconds + d.wholeNanoseconds) }
    public static func - (a: Instant, b: Instant) -> Duration { .nanoseconds(a.nanoseconds - b.nanoseconds) }
}

/// The time, as the shell passes it in with every event: a monotonic instant for deadlines and
/// the wall clock for the timestamps written in messages.
public struct Now: Hashable, Sendable {
    public var instant: Instant
    public var wall: Timestamp

    public init(instant: Instant, wall: Timestamp) {
        self.instant = instant
        self.wall = wall
    }
}

/// Why a connection ended, as the shell saw it.
public enum CloseReason: Hashable, Sendable, CustomStringConvertible {
    /// The other end closed cleanly between lines.
    case endOfStream
    /// The other end closed with an unfinished line of this many bytes.
    case endOfStreamMidLine(Int)
    /// A socket error: reset, broken pipe, ...
    case failed(String)
    /// The outgoing queue passed its bound: the other end does not read.
    case writeQueueFull
    /// The instance asked for the close.
    case closedLocally

    public var description: String {
        switch self {
        case .endOfStream: return "closed by the other end"
        case .endOfStreamMidLine(let n): return "closed by the other end in the middle of a line (\(n) bytes discarded)"
        case .failed(let why): return "connection failed: \(why)"
        case .writeQueueFull: return "closed: the other end does not read (send queue full)"
        case .closedLocally: return "closed"
        }
    }
}

/// Why a connection could not be opened. `refused` is the strong kind of evidence: the host
/// answered that nothing listens on the port, so the process is gone (a time-out or an
/// unreachable network says nothing of the process, only of the path).
public struct ConnectFailure: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var text: String
    public var refused: Bool

    public init(_ text: String, refused: Bool = false) {
        self.text = text
        self.refused = refused
    }

    public init(stringLiteral text: String) { self.init(text) }

    public static let refused = ConnectFailure("Connection refused", refused: true)

    public var description: String { text }
}

/// Something that happened, fed to an instance.
public enum Event: Hashable, Sendable {
    /// A connection came in from `remote` (its ephemeral address, not its listen address).
    case accepted(ConnectionID, remote: NodeAddress)
    /// A connection the instance asked for is open.
    case connected(ConnectionID)
    /// A connection the instance asked for could not be opened.
    case connectFailed(ConnectionID, reason: ConnectFailure)
    /// A whole line arrived (valid UTF-8, within the line limit).
    case line(ConnectionID, String)
    /// A message arrived already decoded: how a simulator, which moves `Message` values rather
    /// than bytes, delivers a line. The instance treats it exactly as the `.line` it encodes.
    case message(ConnectionID, Message)
    /// A line arrived that is not UTF-8; the stream is still framed.
    case lineNotUTF8(ConnectionID, byteCount: Int)
    /// More than the line limit arrived without a newline; the shell closes the connection
    /// after this event (the instance may still queue an error line for it).
    case lineTooLong(ConnectionID)
    /// The connection is gone; nothing more can be sent on it.
    case closed(ConnectionID, CloseReason)
    /// A timer the instance asked for is due.
    case timer(TimerID)
    /// An operator's command (a line on the peer's standard input, or a simulator's script).
    case command(OperatorCommand)
    /// The node was asked to stop (SIGINT, SIGTERM): the last chance to say goodbye. The
    /// shell writes the actions that follow, then closes everything.
    case stopping
}

/// What an operator can ask a running node to do.
public enum OperatorCommand: Hashable, Sendable {
    /// Create the next own message now and flood it, whatever `--messages` says.
    case broadcast
    /// Flood a text message (`TextMessage`); the text is checked against its limits already.
    case send(String)

    /// The commands as typed: one a line, surrounding blanks ignored. Nil for anything else,
    /// a `send` without a text or with one over the limits included (`parse` says why).
    public init?(parsing line: Substring) {
        guard let command = try? Self.parse(line) else { return nil }
        self = command
    }

    /// `broadcast`; `send <text>` (the rest of the line, as typed); `send-escaped <text>` (the
    /// text escaped as the log shows it, `\n` a newline: how a tool sends any text in one line).
    public static func parse(_ line: Substring) throws(CommandError) -> OperatorCommand {
        let trimmed = line.trimmingWhitespace()
        if trimmed == "broadcast" { return .broadcast }
        let word = trimmed.prefix { $0 != " " && $0 != "\t" }
        guard word == "send" || word == "send-escaped" else {
            throw CommandError("unknown command '\(Message.quote(trimmed))'; \(help)")
        }
        // The text is what follows the word and one blank (the line's other blanks are its own).
        var rest = line.drop(while: { $0 == " " || $0 == "\t" }).dropFirst(word.count)
        if rest.first == " " || rest.first == "\t" { rest = rest.dropFirst() }
        let text: String
        if word == "send" {
            text = String(rest)
        } else {
            guard let decoded = VisibleText.unescaped(rest) else {
                throw CommandError("send-escaped: '\(Message.quote(rest))' is not escaped as the log escapes text")
            }
            text = decoded
        }
        do { _ = try TextMessage.check(text) } catch { throw CommandError("send: \(error)") }
        return .send(text)
    }

    public static let help = "known commands: broadcast, send <text>, send-escaped <escaped text>"
}

/// Why an operator's command was not taken: what the operator is told.
public struct CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What an instance asks its shell to do.
public enum Action: Hashable, Sendable {
    /// Open a TCP connection; the answer is `.connected` or `.connectFailed`.
    case connect(ConnectionID, to: NodeAddress)
    /// Queue a line on a connection.
    case send(ConnectionID, Message)
    /// Close a connection once what is queued on it is sent. No `.closed` event follows.
    case close(ConnectionID)
    /// Report an event: the shell writes it to the node's log (adding the local time) and,
    /// at the console level or above, to the console.
    case log(NodeEvent)
    /// Fire `.timer(id)` at `at` (replacing any earlier deadline for the same id).
    case schedule(TimerID, at: Instant)
    /// Disarm the timer: it will not fire until scheduled again.
    case cancel(TimerID)
}

/// A state machine a shell can drive: a seed or a peer.
public protocol NodeInstance {
    /// The address the node listens on.
    var address: NodeAddress { get }
    /// Whether the instance asks for log lines (`.log` actions). On by default; logging
    /// never changes what an instance does, only what it reports.
    var logging: Bool { get set }
    /// Called once, when the node is listening.
    mutating func start(now: Now, actions: inout [Action])
    /// Called for every event, in order.
    mutating func handle(_ event: Event, now: Now, actions: inout [Action])
    /// Seed or peer: what the operator channel may ask of it (`OperatorQuery.swift`).
    var kind: NodeKind { get }
    /// An operator's question (the control socket's `status`, `members`), answered from the
    /// instance's state as lines of text; changes nothing the protocol does.
    mutating func answer(_ query: OperatorQuery, now: Now) -> [String]
}

extension NodeInstance {
    /// Appends `.log(event)` when logging is on; the event is not even built otherwise.
    func log(_ event: @autoclosure () -> NodeEvent, _ actions: inout [Action]) {
        if logging { actions.append(.log(event())) }
    }

    /// The actions for starting, as a value: handy in tests.
    public mutating func start(now: Now) -> [Action] {
        var actions: [Action] = []
        start(now: now, actions: &actions)
        return actions
    }

    /// The actions for one event, as a value: handy in tests.
    public mutating func handle(_ event: Event, now: Now) -> [Action] {
        var actions: [Action] = []
        handle(event, now: now, actions: &actions)
        return actions
    }
}
