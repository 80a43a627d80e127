import Glibc
import GossipCore

/// Reads a node's log file as it grows: each call hands over the complete lines appended since
/// the previous call (it remembers its byte offset, and keeps a line that is not finished yet
/// for the next call), so a log read many times is read once. A torn last line (a node killed
/// in the middle of writing it) is never handed over.
final class LogTail {
    let path: String
    private var fd: Int32 = -1
    private var offset = 0
    private var pending: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    /// At most this much is read per call, so one call is bounded whatever the node writes.
    private let readLimit = 8 << 20

    /// `offset`: where to start, in bytes (a log appended to by earlier runs: where this one began).
    init(path: String, from offset: Int = 0) {
        self.path = path
        self.offset = offset
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Calls `body` with each complete new line, without its newline.
    func readLines(_ body: (Substring) -> Void) {
        if fd < 0 {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return }  // Not written yet.
        }
        var data = pending
        var total = 0
        while total < readLimit {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            offset += count
            total += count
            data.append(contentsOf: chunk[0..<count])
            if count < chunk.count { break }
        }
        guard let lastNewline = data.lastIndex(of: 10) else {
            pending = data
            return
        }
        pending = Array(data[(lastNewline + 1)...])
        // Split at `\n` bytes (`LogLines.forEach`), never by Character: "\r\n" is one.
        let text = String(decoding: data[...lastNewline], as: UTF8.self)
        LogLines.forEach(in: text[...]) { line in if !line.isEmpty { body(line) } }
    }
}

/// The local time that starts every log line, `2026-11-21 20:26:32.772181 `, read back as
/// wall-clock microseconds since the epoch (`mktime` on the date and time, plus the
/// microseconds). The whole-second part is cached: consecutive lines mostly share it.
struct LogTime {
    private var cachedSecond: [UInt8] = []
    private var cachedEpoch: Int64 = 0

    mutating func microseconds(ofLine line: Substring) -> Int64? {
        let bytes = Array(line.utf8.prefix(26))
        guard bytes.count == 26, bytes[4] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: " "),
            bytes[19] == UInt8(ascii: ".")
        else { return nil }
        guard let micro = Self.number(bytes[20..<26]) else { return nil }
        let second = Array(bytes[0..<19])
        if second != cachedSecond {
            guard let year = Self.number(bytes[0..<4]), let month = Self.number(bytes[5..<7]),
                let day = Self.number(bytes[8..<10]), let hour = Self.number(bytes[11..<13]),
                let minute = Self.number(bytes[14..<16]), let sec = Self.number(bytes[17..<19])
            else { return nil }
            var parts = tm()
            parts.tm_year = Int32(year - 1900)
            parts.tm_mon = Int32(month - 1)
            parts.tm_mday = Int32(day)
            parts.tm_hour = Int32(hour)
            parts.tm_min = Int32(minute)
            parts.tm_sec = Int32(sec)
            parts.tm_isdst = -1  // Let the time zone say whether summer time applies.
            let epoch = mktime(&parts)
            guard epoch != -1 else { return nil }
            cachedSecond = second
            cachedEpoch = Int64(epoch)
        }
        return cachedEpoch * 1_000_000 + Int64(micro)
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
