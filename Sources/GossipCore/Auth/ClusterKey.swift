/// The shared secret of a cluster (`--cluster-key-file`): every node started with it proves
/// on each new connection that it holds it (`AuthLine`, `Authenticated`), and takes no line
/// from a connection whose other end has not. See docs/PROTOCOL.md, "Cluster key".
public struct ClusterKey: Sendable {
    /// The shortest key taken: 32 bytes, the size of the hash, as RFC 2104 (section 3)
    /// recommends. A shorter secret is easier to guess than to steal; `openssl rand -hex 32`
    /// or `head -c 32 /dev/urandom | base64` make a good one.
    public static let minimumBytes = 32
    /// The longest key taken: a longer file is more likely the wrong file than a key.
    public static let maximumBytes = 1024

    let hmac: HMACSHA256

    /// `bytes`: the key file's content, without its trailing newline (the reader trims it).
    public init(_ bytes: [UInt8]) throws(ClusterKeyError) {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count >= Self.minimumBytes else { throw .tooShort(bytes.count) }
        guard bytes.count <= Self.maximumBytes else { throw .tooLong(bytes.count) }
        hmac = HMACSHA256(key: bytes)
    }

    /// The key from a key file's content: one trailing newline (`\n` or `\r\n`), as an editor
    /// or `echo` leaves it, is not part of the key; everything else is.
    public init(fileContent: [UInt8]) throws(ClusterKeyError) {
        var bytes = fileContent
        if bytes.last == 10 { bytes.removeLast() }
        if bytes.last == 13 { bytes.removeLast() }
        try self.init(bytes)
    }

    /// The code that proves the key for one side of a handshake (`AuthLine`): a label naming
    /// the side, so that one side's code can never serve as the other's, then the fields of the
    /// dialler's hello, each on its own line, so that no two different hellos share an input.
    func code(_ side: Side, to destination: NodeAddress, timestamp: Timestamp, nonce: Nonce) -> [UInt8] {
        hmac.code(for: Array("gossip-cluster-key-v1 \(side.rawValue)\n\(destination)\n\(timestamp)\n\(nonce)".utf8))
    }

    enum Side: String {
        /// The dialler's proof: the first line it sends.
        case hello
        /// The acceptor's proof, bound to the dialler's fresh nonce.
        case welcome
    }
}

/// Why a key file's content is not a key; the description is the one line the program prints.
public enum ClusterKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooShort(Int)
    case tooLong(Int)

    public var description: String {
        switch self {
        case .empty: return "the cluster key is empty"
        case .tooShort(let n):
            return
                "the cluster key is \(n) bytes; at least \(ClusterKey.minimumBytes) are needed (make one with 'openssl rand -hex 32')"
        case .tooLong(let n):
            return "the cluster key is \(n) bytes; at most \(ClusterKey.maximumBytes) are taken (is it the right file?)"
        }
    }
}

/// 128 random bits that make a hello unique, written as 32 lowercase hex digits.
public struct Nonce: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A fresh nonce from `rng` (which the launcher seeds from the system, see `Authenticated`).
    public init(using rng: inout some RandomNumberGenerator) {
        self.init(high: rng.next(), low: rng.next())
    }

    public var description: String { Self.hex(high) + Self.hex(low) }

    /// Exactly 32 lowercase hex digits: one spelling per nonce, so that a replay cannot pass as
    /// new by changing the case of a digit.
    public init?(parsing text: Substring) {
        guard text.utf8.count == 32, let high = Self.word(text.utf8.prefix(16)), let low = Self.word(text.utf8.suffix(16))
        else { return nil }
        self.init(high: high, low: low)
    }

    static func hex(_ word: UInt64) -> String {
        let digits = String(word, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func word(_ digits: Substring.UTF8View.SubSequence) -> UInt64? {
        var value: UInt64 = 0
        for digit in digits {
            guard let nibble = hexValue(digit) else { return nil }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }

    /// A lowercase hex digit's value.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        default: return nil
        }
    }
}
