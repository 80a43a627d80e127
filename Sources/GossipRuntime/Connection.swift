import Glibc
import GossipCore

/// One socket of the event loop and its buffers: the framer of what it sends us, the input
/// read but not yet delivered (a turn's budget ran out), and the output queued for it.
final class Connection {
    /// Set when the loop registers it.
    var id = ConnectionID(.inbound, 0)
    let fd: Int32
    /// Its place in the loop's slot table: the order in which connections are polled and
    /// served, stable from turn to turn (a `Dictionary`'s order is not), so that the turn's
    /// rotation really goes round.
    var slot = -1
    var framer = LineFramer()
    var connecting: Bool
    /// The instance is done with it: close once the output is written.
    var closing = false
    /// Already in the loop's list of connections to write at the start of the next turn.
    var flushQueued = false
    /// It had input at the last turn's poll: a connection that did not is served before those
    /// that keep sending (`EventLoop.serviceConnections`).
    var hadInput = false
    /// Closed by the shell: nothing more is read from it or delivered for it (its file
    /// descriptor may already belong to a new socket).
    var dropped = false

    /// Bytes queued for sending; `outputOffset` of them have been sent.
    private(set) var output: [UInt8] = []
    private(set) var outputOffset = 0

    /// Bytes read from the socket that a turn had no budget left to deliver: the next turn
    /// delivers them before reading more. At most one read's worth.
    private(set) var input: [UInt8] = []
    private(set) var inputOffset = 0

    init(fd: Int32, connecting: Bool) {
        self.fd = fd
        self.connecting = connecting
    }

    // MARK: Output

    var hasOutput: Bool { outputOffset < output.count }
    /// Bytes queued and not yet sent.
    var queuedBytes: Int { output.count - outputOffset }

    /// Queues one message's line; returns the bytes added. The line is written straight into
    /// the output (`Message.write(into:)`): no `String` is made for the common lines.
    func enqueue(_ message: Message) -> Int {
        let before = output.count
        message.write(into: &output)
        output.append(10)
        return output.count - before
    }

    /// Queues one line (the newline is added); returns the bytes added.
    func enqueue(_ line: String) -> Int {
        let before = output.count
        ASCII.appendUTF8(line, to: &output)
        output.append(10)
        return output.count - before
    }

    /// Sends what it can without waiting. Returns the bytes sent, and the `errno` of a failure
    /// (nil when the socket took everything or would block).
    func send() -> (sent: Int, error: Int32?) {
        var total = 0
        while outputOffset < output.count {
            let count = output.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + outputOffset, $0.count - outputOffset, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                return (total, errno)
            }
            outputOffset += count
            total += count
        }
        if outputOffset == output.count {
            // A busy link's buffer is kept for the next turn; a large one (a burst) is given back.
            output.removeAll(keepingCapacity: output.capacity <= 1 << 16)
            outputOffset = 0
        } else if outputOffset >= 1 << 16 && outputOffset * 2 >= output.count {
            // A reader that drains slowly while more is queued must not keep the sent prefix
            // alive: memory follows what is queued, not what was ever queued.
            output.removeSubrange(0..<outputOffset)
            outputOffset = 0
        }
        return (total, nil)
    }

    /// Forgets the output (the connection is closed).
    func discardOutput() -> Int {
        let queued = queuedBytes
        output = []
        outputOffset = 0
        return queued
    }

    // MARK: Input held over

    var hasHeldInput: Bool { inputOffset < input.count }
    var heldInputBytes: Int { input.count - inputOffset }

    /// Keeps `bytes` for the next turn (only when nothing is held already).
    func hold(_ bytes: UnsafeRawBufferPointer) {
        precondition(!hasHeldInput)
        input.removeAll(keepingCapacity: true)
        input.append(contentsOf: bytes)
        inputOffset = 0
    }

    /// Calls `body` with the held input; it returns how many bytes it took.
    func takeHeldInput(_ body: (UnsafeRawBufferPointer) -> Int) {
        let taken = input.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[inputOffset...])) }
        inputOffset += taken
        if inputOffset >= input.count { releaseHeldInput() }
    }

    /// Drops the held input and its memory.
    func releaseHeldInput() {
        input = []
        inputOffset = 0
    }
}
