import Glibc
import GossipCore
import GossipRuntime

/// The sending neighbour's stream: unique gossip lines `<unix seconds>.<ms>:127.0.0.9:9:<n>`
/// (a fake origin and a counter from 1), made in batches of about `batchBytes` and written
/// without blocking. The batch is refilled only once it is fully written, so at most one batch
/// plus the socket's buffers is ever in flight.
struct GossipSource {
    static let origin = "127.0.0.9:9"
    let batchBytes: Int
    private(set) var sequence = 0
    /// Complete gossip lines written to the socket.
    private(set) var linesSent = 0
    /// Writes that found the socket full (the peer not keeping up), and all write attempts.
    private(set) var fullWrites = 0
    private(set) var writes = 0
    private var batch: [UInt8] = []
    private var written = 0
    /// Bytes at the start of the batch that are not gossip (liveness replies).
    private var answerBytes = 0

    init(batchBytes: Int = 1 << 18) {
        self.batchBytes = batchBytes
        batch.reserveCapacity(batchBytes + 4096)
    }

    /// Makes the next batch, led by `answers` (put between whole lines, never inside one).
    mutating func refill(answers: inout [UInt8]) {
        batch.removeAll(keepingCapacity: true)
        written = 0
        batch.append(contentsOf: answers)
        answerBytes = answers.count
        answers.removeAll()
        let wall = SystemClock.wall().milliseconds
        let millis = wall % 1000
        let stamp = Array("\(wall / 1000).\(millis < 100 ? "0" : "")\(millis < 10 ? "0" : "")\(millis):\(Self.origin):".utf8)
        while batch.count < batchBytes {
            sequence += 1
            batch.append(contentsOf: stamp)
            Self.appendDecimal(sequence, to: &batch)
            batch.append(10)
        }
    }

    var batchDone: Bool { written >= batch.count }

    /// Writes as much of the batch as the socket takes, refilling it up to `rounds` times.
    /// Returns false when the socket failed (not when it is merely full).
    mutating func write(to fd: Int32, answers: inout [UInt8], rounds: Int = 8) -> Bool {
        for _ in 0..<rounds {
            if batchDone { refill(answers: &answers) }
            writes += 1
            let start = written
            let count = batch.withUnsafeBytes { bytes in
                send(fd, bytes.baseAddress! + start, bytes.count - start, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    fullWrites += 1
                    return true
                }
                if errno == EINTR { continue }
                return false
            }
            written += count
            linesSent += countLines(from: max(start, answerBytes), to: written)
            if !batchDone {
                fullWrites += 1  // A short write: the socket is full now.
                return true
            }
        }
        return true
    }

    private func countLines(from start: Int, to end: Int) -> Int {
        guard start < end else { return 0 }
        return batch.withUnsafeBytes { bytes in
            var lines = 0
            var position = bytes.baseAddress! + start
            let stop = bytes.baseAddress! + end
            while position < stop, let newline = memchr(position, 10, stop - position) {
                lines += 1
                position = UnsafeRawPointer(newline) + 1
            }
            return lines
        }
    }

    /// How many lines a second this source makes when it only fills batches (no socket):
    /// the most the bench could send.
    static func generationRate(for duration: Duration) -> Double {
        var source = GossipSource()
        var none: [UInt8] = []
        let start = SystemClock.monotonic()
        var lines = 0
        while SystemClock.monotonic() - start < duration {
            let before = source.sequence
            source.refill(answers: &none)
            lines += source.sequence - before
        }
        return Double(lines) / (SystemClock.monotonic() - start).seconds
    }

    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        var digits = 1
        var limit = 10
        while value >= limit && digits < 18 {
            digits += 1
            limit *= 10
        }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var rest = value
        var index = start + digits - 1
        while index >= start {
            bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        }
    }
}
