import Glibc
import GossipCore

/// Writes a node's log: each event one line (`EventRenderer`: a human line or a JSON line,
/// `--log-format`), stamped with the local time, appended to the log file and, from
/// `--console-level` up, shown on the console.
///
/// Lines are buffered and written once per event-loop turn (`flush`), so logging never costs a
/// system call per event; once written they are in the kernel, so they survive the process
/// being killed with SIGKILL. The buffer is bounded: past `flushThreshold` bytes it is written
/// at once, in the middle of a turn if need be, so a turn that logs a great deal (a flood of
/// bad lines) holds no more than that. The shell flushes the log before it writes any socket
/// (write-ahead: a message is in the log file before it is forwarded to anyone).
///
/// The file is the record and is written first, in full: every event of every level. The
/// console gets the events at its level and above; a human console line names the node
/// (`[127.0.0.1:6001]` after the level), so nodes started from one shell can be told apart.
/// The console (`Console`) never blocks: what it cannot take is dropped there and counted, and
/// the file says so, at once the first time and then at most every `consoleNoteInterval`
/// seconds while it goes on.
public final class LogSink {
    private let fileDescriptor: Int32
    private let console: Console?
    private var buffer: [UInt8] = []
    private var consoleBuffer: [UInt8] = []
    public let path: String
    /// The node writing: in every JSON line, and in human lines on the console.
    let node: NodeAddress?
    let format: LogFormat
    let consoleLevel: EventLevel
    /// The buffer is written as soon as it holds this many bytes.
    let flushThreshold: Int
    /// The local time of the lines written next, `2026-11-21 19:44:09.123456`, formatted
    /// once per second (a `localtime_r` per line would cost more than the line).
    private var time: [UInt8] = Array("1970-01-01 00:00:00.000000".utf8)
    private var timeSecond: Int64 = -1
    /// Console bytes dropped that the file has already been told about, and when (seconds).
    private var notedDroppedBytes = 0
    private var notedAt: Int64?
    static let consoleNoteInterval: Int64 = 10
    /// Shown every event as it is logged, and told when the file has been written: the control
    /// socket's monitors, which render events their own way and send them after the file has
    /// them. Set only while someone monitors, so it costs nothing otherwise.
    var observer: (any LogObserver)?

    /// Opens (creating the directory and file when missing) `<directory>/<name>` for appending.
    /// `console`: also show the lines on standard output.
    public convenience init(
        directory: String, fileName: String, node: NodeAddress? = nil, format: LogFormat = .human,
        consoleLevel: EventLevel = .info, console: Bool = true
    ) throws(RuntimeError) {
        try self.init(
            directory: directory, fileName: fileName, console: console ? Console() : nil, node: node, format: format,
            consoleLevel: consoleLevel)
    }

    init(
        directory: String, fileName: String, console: Console?, node: NodeAddress? = nil, format: LogFormat = .human,
        consoleLevel: EventLevel = .info, flushThreshold: Int = 128 << 10
    ) throws(RuntimeError) {
        try Files.makeDirectory(directory)
        path = directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
        fileDescriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fileDescriptor >= 0 else { throw RuntimeError("cannot open log file \(path): \(Errno.text())") }
        self.console = console
        self.node = node
        self.format = format
        self.consoleLevel = consoleLevel
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 8192)
    }

    deinit { close(fileDescriptor) }

    /// Sets the time stamped on the lines written next (wall clock, microseconds). The shell
    /// sets it once per loop turn: the lines of one turn share their time.
    ///
    /// The local date and time are worked out (`localtime_r`) once a minute: within a minute
    /// only the seconds' two digits change, and local time moves to another offset only on a
    /// minute's boundary. An idle node wakes in a new second almost every time, and formatting
    /// the whole stamp then was a twelfth of its instructions.
    public func setTime(microseconds: Int64) {
        let second = microseconds / 1_000_000
        if second != timeSecond {
            if timeSecond >= 0, second / 60 == timeSecond / 60 {
                let inMinute = UInt8(second % 60)
                time[17] = UInt8(ascii: "0") + inMinute / 10
                time[18] = UInt8(ascii: "0") + inMinute % 10
            } else {
                time = Array(SystemClock.localSecondText(second).utf8) + Array(".000000".utf8)
            }
            timeSecond = second
        }
        var fraction = microseconds % 1_000_000
        for index in stride(from: time.count - 1, through: time.count - 6, by: -1) {
            time[index] = UInt8(ascii: "0") + UInt8(fraction % 10)
            fraction /= 10
        }
    }

    /// Adds one event's line, stamped with the time last set: to the file, and to the console
    /// when the event is at the console's level or above.
    public func write(_ event: NodeEvent) {
        render(event, node: format == .json ? node : nil, into: &buffer)
        observer?.logged(event, time: time)
        if console != nil, event.level >= consoleLevel { render(event, node: node, into: &consoleBuffer) }
        if buffer.count >= flushThreshold { flush() }
    }

    private func render(_ event: NodeEvent, node: NodeAddress?, into bytes: inout [UInt8]) {
        switch format {
        case .human: EventRenderer.appendHuman(event, time: time, node: node, into: &bytes)
        case .json: EventRenderer.appendJSON(event, time: time, node: node, into: &bytes)
        }
        bytes.append(10)
    }

    /// Bytes waiting for the next flush.
    var bufferedByteCount: Int { buffer.count }

    /// Writes what is buffered: to the file first (the record), then to the console.
    public func flush() {
        if !buffer.isEmpty {
            buffer.withUnsafeBytes { Files.writeAll(fileDescriptor, $0) }
            buffer.removeAll(keepingCapacity: true)
        }
        observer?.logFlushed()
        guard let console else { return }
        if !consoleBuffer.isEmpty {
            consoleBuffer.withUnsafeBytes { console.write($0) }
            consoleBuffer.removeAll(keepingCapacity: true)
        }
        if console.droppedBytes > notedDroppedBytes, notedAt.map({ timeSecond - $0 >= Self.consoleNoteInterval }) ?? true {
            noteConsole(console)
        }
    }

    /// Tells the file (only) what the console lost since the last note.
    private func noteConsole(_ console: Console) {
        let why = console.closedReason.map { "standard output failed (\($0))" } ?? "standard output is not being read"
        var note: [UInt8] = []
        render(
            .consoleDropped(bytes: console.droppedBytes - notedDroppedBytes, total: console.droppedBytes, why: why),
            node: format == .json ? node : nil, into: &note)
        note.withUnsafeBytes { Files.writeAll(fileDescriptor, $0) }
        notedDroppedBytes = console.droppedBytes
        notedAt = timeSecond
    }
}

/// What sees a node's events besides its log (`LogSink.observer`).
protocol LogObserver: AnyObject {
    /// An event was logged at the local time `time` (`YYYY-MM-DD HH:MM:SS.ffffff`).
    func logged(_ event: NodeEvent, time: [UInt8])
    /// What was logged so far is in the file: it may be shown now.
    func logFlushed()
}

/// A failure of the runtime, with the message a person needs.
public struct RuntimeError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

enum Errno {
    static func text(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}

/// Small file helpers over Glibc (the node programs do not link Foundation).
public enum Files {
    /// Creates `path` and its parents if missing.
    public static func makeDirectory(_ path: String) throws(RuntimeError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw RuntimeError("cannot create directory \(prefix): \(Errno.text())")
            }
        }
    }

    /// Writes every byte, retrying short writes; gives up on an error (a closed console is
    /// no reason to stop a node).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }

    /// True when `fd` is /dev/null.
    public static func isNullDevice(_ fd: Int32) -> Bool {
        var info = stat()
        var null = stat()
        guard fstat(fd, &info) == 0, stat("/dev/null", &null) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFCHR && info.st_rdev == null.st_rdev
    }

    /// The whole content of a text file.
    public static func read(_ path: String) throws(RuntimeError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeError("cannot read \(path): \(Errno.text())") }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RuntimeError("cannot read \(path): \(Errno.text())")
            }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: data, as: UTF8.self)
    }
}
