import Glibc
import GossipCore

/// Writes a node's log: each event one line, prefixed with the local time, to the console and
/// appended to the log file.
///
/// Lines are buffered and written once per event-loop turn (`flush`), so logging never costs a
/// system call per event; once written they are in the kernel, so they survive the process
/// being killed with SIGKILL.
public final class LogSink {
    private let fileDescriptor: Int32
    private let console: Bool
    private var buffer: [UInt8] = []
    public let path: String
    /// The local-time prefix of the lines written next, `2026-11-21 19:44:09.123456 `,
    /// formatted once per second (a `localtime_r` per line would cost more than the line).
    private var prefix: [UInt8] = []
    private var prefixSecond: Int64 = -1

    /// Opens (creating the directory and file when missing) `<directory>/<name>` for appending.
    public init(directory: String, fileName: String, console: Bool = true) throws(RuntimeError) {
        try Files.makeDirectory(directory)
        path = directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
        fileDescriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fileDescriptor >= 0 else { throw RuntimeError("cannot open log file \(path): \(Errno.text())") }
        // Writing to /dev/null is a system call for nothing: a node started with its console
        // thrown away (by `cluster`, the benchmark, a service manager) skips it.
        self.console = console && !Files.isNullDevice(STDOUT_FILENO)
    }

    deinit { close(fileDescriptor) }

    /// Sets the time stamped on the lines written next (wall clock, microseconds). The shell
    /// sets it once per loop turn: the lines of one turn share their time.
    public func setTime(microseconds: Int64) {
        let second = microseconds / 1_000_000
        if second != prefixSecond {
            prefixSecond = second
            prefix = Array(SystemClock.localSecondText(second).utf8) + Array(".000000 ".utf8)
        }
        var fraction = microseconds % 1_000_000
        for index in stride(from: prefix.count - 2, through: prefix.count - 7, by: -1) {
            prefix[index] = UInt8(ascii: "0") + UInt8(fraction % 10)
            fraction /= 10
        }
    }

    /// Adds one entry's line, stamped with the time last set.
    public func write(_ entry: LogEntry) {
        buffer.append(contentsOf: prefix)
        entry.render(into: &buffer)
        buffer.append(10)
    }

    /// Adds one event line, stamped with the time last set. Anything in it that is not
    /// printable ASCII is written escaped (`VisibleText`), so the line stays one line.
    public func write(_ event: String) {
        buffer.append(contentsOf: prefix)
        VisibleText.appendPrintable(event, to: &buffer)
        buffer.append(10)
    }

    /// Writes what is buffered: to the file first (the record), then to the console.
    public func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { bytes in
            Files.writeAll(fileDescriptor, bytes)
            if console { Files.writeAll(STDOUT_FILENO, bytes) }
        }
        buffer.removeAll(keepingCapacity: buffer.count <= 1 << 16)
    }
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
