/// Cuts a TCP byte stream into lines, with a bound on how much it will hold.
///
/// TCP delivers bytes, not lines: a read may end mid-line or hold many lines. The framer keeps
/// the unfinished tail between reads, and refuses to hold more than `maxLineBytes` of it, so a
/// sender that never sends a newline cannot make a node grow without limit.
public struct LineFramer: Sendable {
    /// The longest line accepted, without its newline.
    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    /// Set by `.tooLong`: the stream is out of step, so nothing more is framed.
    public private(set) var failed = false

    public init(maxLineBytes: Int = Limits.maxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// What one chunk of input held.
    public enum Item: Equatable, Sendable {
        /// A whole line, valid UTF-8, without its newline (and without a trailing `\r`).
        case line(String)
        /// A whole line that is not UTF-8. The stream is still framed, so reading goes on.
        case notUTF8(byteCount: Int)
        /// More than `maxLineBytes` without a newline: the stream can no longer be trusted.
        case tooLong
    }

    /// Bytes held from an unfinished line; non-zero at end of stream means it closed mid-line.
    public var pendingByteCount: Int { pending.count }

    /// Feeds bytes and calls `emit` for each item. After `.tooLong` nothing more is emitted:
    /// the caller closes the connection.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ emit: (Item) -> Void) {
        _ = feed(bytes, maxItems: .max, emit)
    }

    /// Feeds bytes up to the end of the `maxItems`-th line and calls `emit` for each item;
    /// returns how many bytes it took (all of them unless `maxItems` lines ended before the
    /// end). A shell that shares its time between connections feeds the rest later.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, maxItems: Int, _ emit: (Item) -> Void) -> Int {
        guard !failed else { return bytes.count }
        var start = 0
        var items = 0
        let count = bytes.count
        while start < count {
            if items == maxItems { return start }
            guard let newline = bytes[start..<count].firstIndex(of: 10) else {
                pending.append(contentsOf: bytes[start..<count])
                // A `\r` may end a full-length line while its `\n` is still on the way.
                let allowed = pending.last == 13 ? maxLineBytes + 1 : maxLineBytes
                if pending.count > allowed {
                    pending.removeAll()
                    failed = true
                    emit(.tooLong)
                }
                return count
            }
            let item: Item
            if pending.isEmpty {
                item = Self.item(UnsafeRawBufferPointer(rebasing: bytes[start..<newline]), limit: maxLineBytes)
            } else {
                pending.append(contentsOf: bytes[start..<newline])
                item = pending.withUnsafeBytes { Self.item($0, limit: maxLineBytes) }
                pending.removeAll(keepingCapacity: pending.count <= 4096)
            }
            if item == .tooLong { failed = true }
            emit(item)
            items += 1
            if failed { return count }
            start = newline + 1
        }
        return count
    }

    /// At the end of the stream: the unfinished last line, if any, as if its newline had come.
    /// (A network peer that closes mid-line is not trusted this way; the shell only uses it for
    /// the operator's standard input.)
    public mutating func finish() -> Item? {
        guard !failed, !pending.isEmpty else { return nil }
        defer { pending.removeAll() }
        return pending.withUnsafeBytes { Self.item($0, limit: maxLineBytes) }
    }

    /// Convenience for tests and simulations.
    public mutating func feed(_ bytes: [UInt8]) -> [Item] {
        var items: [Item] = []
        bytes.withUnsafeBytes { feed($0) { items.append($0) } }
        return items
    }

    private static func item(_ raw: UnsafeRawBufferPointer, limit: Int) -> Item {
        var line = raw
        if line.last == 13 { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        if line.count > limit { return .tooLong }
        // Nearly every line is ASCII: checked a word at a time, then made a `String` by the
        // non-generic decoder (`String(validating:as:)` is generic over the encoding and cost a
        // relaying peer 8 % of its CPU). Anything else is validated in full, as before.
        if ASCII.isASCII(line) {
            return .line(line.withMemoryRebound(to: UInt8.self) { String(decoding: $0, as: UTF8.self) })
        }
        guard let text = String(validating: line, as: UTF8.self) else { return .notUTF8(byteCount: line.count) }
        return .line(text)
    }
}

/// A line that could not be taken as text, as the sender is told in `Error:`.
public enum FramingError: Error, Equatable, Sendable, CustomStringConvertible {
    case notUTF8(byteCount: Int)
    case tooLong

    public var description: String {
        switch self {
        case .notUTF8(let count): return "line of \(count) bytes is not valid UTF-8"
        case .tooLong: return "line longer than \(Limits.maxLineBytes) bytes; closing the connection"
        }
    }
}

/// The protocol's size limits, in one place (`docs/PROTOCOL.md` lists them).
public enum Limits {
    /// The longest line a node accepts, without its newline.
    public static let maxLineBytes = 4096
    /// The most addresses in one `Peer List` line. The longest address, a full IPv6 address
    /// with port, is 47 bytes with its comma, so 64 of them always fit in one line.
    public static let maxPeerListEntries = 32
}
