import Glibc
import GossipCore
import Testing

@testable import GossipRuntime

/// An `EventLoop` in the test process, in the spirit of swift-nio's `EmbeddedChannel`: a
/// `ScriptedInstance` behind a real listening socket on 127.0.0.1 (a free port), its log in a
/// temporary directory, driven a turn at a time by the test, which looks at the sockets and
/// the instance between turns. No signal handler is installed; `deinit` stops the loop the
/// way a signal would, which closes its sockets.
final class LoopHarness {
    let loop: EventLoop<ScriptedInstance>
    let port: UInt16
    let directory: String
    let logPath: String
    private let signalWriteEnd: Int32
    private let signalReadEnd: Int32

    init(
        limits: EventLoop<ScriptedInstance>.Limits = .init(), atStart: @escaping (Now) -> [Action] = { _ in [] },
        script: @escaping ScriptedInstance.Script = { _, _, _ in [] }
    ) throws {
        var template = Array("/tmp/gossip-runtime-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw RuntimeError("mkdtemp failed") }
        directory = String(cString: made)
        let (listener, address) = try Sockets.listen(on: NodeAddress(host: .loopback, port: 0))
        port = address.port
        let log = try LogSink(directory: directory, fileName: "node.txt", console: false)
        logPath = log.path
        let signals = try SignalPipe(handlingSignals: false)
        signalWriteEnd = signals.writeEnd
        signalReadEnd = signals.readEnd
        loop = EventLoop(
            instance: ScriptedInstance(address: address, atStart: atStart, script: script), listener: listener, log: log,
            signals: signals, limits: limits)
        loop.start()
    }

    deinit {
        var byte = UInt8(SIGTERM)
        _ = write(signalWriteEnd, &byte, 1)
        var status: Int32?
        for _ in 0..<100 where status == nil { status = loop.turn(maxWait: 10) }
        close(signalWriteEnd)
        close(signalReadEnd)
        unlink(logPath)
        rmdir(directory)
    }

    var instance: ScriptedInstance { loop.instance }

    /// Turns the loop (waiting at most 5 ms per turn) until `condition` holds; false if it
    /// still does not after `seconds`.
    @discardableResult
    func turn(until condition: () -> Bool, seconds: Int64 = 10) -> Bool {
        let deadline = SystemClock.monotonic() + .seconds(seconds)
        while !condition() {
            if SystemClock.monotonic() > deadline { return false }
            #expect(loop.turn(maxWait: 5) == nil, "the loop ended")
        }
        return true
    }

    /// Turns the loop `count` times (for what must not happen).
    func turns(_ count: Int) {
        for _ in 0..<count { _ = loop.turn(maxWait: 5) }
    }

    /// The log file's text so far.
    var logText: String { (try? Files.read(logPath)) ?? "" }
}

/// A plain client socket to the loop under test: blocking connect (the kernel completes it
/// from the listen backlog), non-blocking reads, so the test can turn the loop in between.
final class TestClient {
    let fd: Int32
    private(set) var received: [UInt8] = []
    private(set) var sawEnd = false

    /// `receiveBuffer`: a small receive buffer, for a client that is not meant to keep up.
    init(port: UInt16, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw RuntimeError("cannot connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { _ = Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads what has arrived, without waiting; notes the end of the stream (or a reset).
    func readAvailable() {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !sawEnd {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                received += chunk[0..<count]
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                sawEnd = true
            } else {
                return
            }
        }
    }

    var text: String { String(decoding: received, as: UTF8.self) }
}
