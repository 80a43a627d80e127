/// The two lines of the cluster-key handshake (docs/PROTOCOL.md, "Cluster key"):
///
/// - `Auth Hello:<IP>:<port>:<timestamp>:<nonce>:<code>`, the first line the dialling side
///   sends: the address it dialled, its wall clock, 32 hex digits of fresh randomness, and
///   `HMAC-SHA-256(key, "gossip-cluster-key-v1 hello\n<IP>:<port>\n<timestamp>\n<nonce>")` in
///   64 hex digits.
/// - `Auth Welcome:<code>`, the accepting side's answer: the same input with `welcome` for
///   `hello`. It proves the key too, and cannot be replayed, since the hello's nonce is new.
public enum AuthLine: Hashable, Sendable {
    case hello(Hello)
    case welcome(code: [UInt8])

    /// The dialler's proof, with what it covers.
    public struct Hello: Hashable, Sendable {
        /// The address the dialler dialled: a hello recorded on the way to one node is refused
        /// by every other (each node only remembers the nonces it was sent).
        public var destination: NodeAddress
        public var timestamp: Timestamp
        public var nonce: Nonce
        public var code: [UInt8]

        public init(destination: NodeAddress, timestamp: Timestamp, nonce: Nonce, code: [UInt8]) {
            self.destination = destination
            self.timestamp = timestamp
            self.nonce = nonce
            self.code = code
        }

        /// A hello with its code computed from `key`.
        public init(key: ClusterKey, destination: NodeAddress, timestamp: Timestamp, nonce: Nonce) {
            self.init(
                destination: destination, timestamp: timestamp, nonce: nonce,
                code: key.code(.hello, to: destination, timestamp: timestamp, nonce: nonce))
        }

        /// Whether the code was made with `key`.
        public func isSigned(by key: ClusterKey) -> Bool {
            HMACSHA256.equal(code, key.code(.hello, to: destination, timestamp: timestamp, nonce: nonce))
        }

        /// The acceptor's answer to this hello, made with `key`.
        public func welcomeCode(_ key: ClusterKey) -> [UInt8] {
            key.code(.welcome, to: destination, timestamp: timestamp, nonce: nonce)
        }
    }

    /// The line, without its newline.
    public var encoded: String {
        switch self {
        case .hello(let hello):
            return "Auth Hello:\(hello.destination):\(hello.timestamp):\(hello.nonce):\(Self.hex(hello.code))"
        case .welcome(let code):
            return "Auth Welcome:\(Self.hex(code))"
        }
    }

    /// Parses the body of `Auth Hello:` (what follows the colon).
    static func decodeHello(_ body: Substring) throws(WireError) -> AuthLine {
        var s = FieldScanner(body)
        let destination: NodeAddress
        do { destination = try s.address() } catch { throw .badAddress("Auth Hello", error) }
        guard s.separator() else { throw .malformed("Auth Hello", "expected :<timestamp> after the address") }
        let field = s.field()
        guard let timestamp = Timestamp(parsing: field) else { throw .badTimestamp("Auth Hello", Message.quote(field)) }
        guard s.separator() else { throw .malformed("Auth Hello", "expected :<nonce> after the timestamp") }
        let nonceField = s.field()
        guard let nonce = Nonce(parsing: nonceField) else {
            throw .malformed("Auth Hello", "nonce '\(Message.quote(nonceField))' is not 32 lowercase hex digits")
        }
        guard s.separator() else { throw .malformed("Auth Hello", "expected :<code> after the nonce") }
        let code = try Self.code(s.remainder(), in: "Auth Hello")
        return .hello(Hello(destination: destination, timestamp: timestamp, nonce: nonce, code: code))
    }

    /// Parses the body of `Auth Welcome:`.
    static func decodeWelcome(_ body: Substring) throws(WireError) -> AuthLine {
        .welcome(code: try code(body, in: "Auth Welcome"))
    }

    /// Exactly 64 lowercase hex digits.
    private static func code(_ text: Substring, in name: String) throws(WireError) -> [UInt8] {
        let digits = Array(text.utf8)
        guard digits.count == 2 * HMACSHA256.codeBytes else {
            throw .malformed(name, "code '\(Message.quote(text))' is not 64 lowercase hex digits")
        }
        var code: [UInt8] = []
        code.reserveCapacity(HMACSHA256.codeBytes)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Nonce.hexValue(digits[index]), let low = Nonce.hexValue(digits[index + 1]) else {
                throw .malformed(name, "code '\(Message.quote(text))' is not 64 lowercase hex digits")
            }
            code.append(high << 4 | low)
        }
        return code
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(2 * bytes.count)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
