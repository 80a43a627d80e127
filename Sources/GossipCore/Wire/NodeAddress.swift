/// The address a node listens on: an IPv4 or IPv6 host and a TCP port.
///
/// This is the one parser and printer of addresses in the project: the config file, every
/// message on the wire, the logs and the command-line options all go through it, so an IPv6
/// address is written the same way everywhere (`[::1]:5001`, lowercase, RFC 5952 compressed)
/// and two spellings of one address compare equal.
///
/// An IPv4-mapped IPv6 host (`::ffff:127.0.0.1`, how a dual-stack socket shows an IPv4 client)
/// is its IPv4 address: it is stored as IPv4 from the moment it is parsed or built, so
/// `[::ffff:127.0.0.1]:5001` and `127.0.0.1:5001` are one node to every table and comparison.
public struct NodeAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var host: Host
    public var port: UInt16

    public init(host: Host, port: UInt16) {
        self.host = host.unmapped
        self.port = port
    }

    /// An IP host: its value, not its spelling.
    public enum Host: Hashable, Sendable, Comparable, CustomStringConvertible {
        /// Four octets, most significant first.
        case ipv4(UInt8, UInt8, UInt8, UInt8)
        /// The 128 bits, most significant half first. Two words rather than an array of
        /// groups, so an address is a plain value: copying, hashing and sorting one involves
        /// no reference counting (measured: that was a fifth of a large simulation's work).
        case ipv6(UInt64, UInt64)

        /// An IPv6 host from its eight 16-bit groups, most significant first.
        public static func ipv6(groups: [UInt16]) -> Host {
            precondition(groups.count == 8)
            let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
            let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
            return .ipv6(high, low)
        }

        /// The eight 16-bit groups of an IPv6 host.
        public var groups: [UInt16]? {
            guard case .ipv6(let high, let low) = self else { return nil }
            return (0..<8).map { i in UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> (48 - 16 * UInt64(i % 4))) }
        }

        public static let loopback = Host.ipv4(127, 0, 0, 1)

        /// `0.0.0.0` or `::`: "every interface" when listening, no one's address on the wire.
        public var isUnspecified: Bool {
            switch self {
            case .ipv4(let a, let b, let c, let d): return a | b | c | d == 0
            case .ipv6(let high, let low): return high == 0 && low == 0
            }
        }

        /// The same host with an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, how a dual-stack
        /// socket shows an IPv4 client) written as the IPv4 address it is.
        public var unmapped: Host {
            guard case .ipv6(0, let low) = self, low >> 32 == 0xFFFF else { return self }
            return .ipv4(
                UInt8(truncatingIfNeeded: low >> 24), UInt8(truncatingIfNeeded: low >> 16),
                UInt8(truncatingIfNeeded: low >> 8), UInt8(truncatingIfNeeded: low))
        }

        public var isIPv4: Bool { if case .ipv4 = self { return true } else { return false } }

        /// Whether two hosts are one machine's address, however a socket spelled them.
        public func isSameHost(as other: Host) -> Bool { unmapped == other.unmapped }

        /// The host as it appears in a message's IP field: IPv6 keeps its brackets, so the
        /// colons inside it can never be mistaken for field separators.
        public var description: String {
            switch self {
            case .ipv4(let a, let b, let c, let d): return "\(a).\(b).\(c).\(d)"
            case .ipv6: return "[" + Self.formatIPv6(groups!) + "]"
            }
        }

        /// IPv4 before IPv6, then by value.
        public static func < (lhs: Host, rhs: Host) -> Bool {
            switch (lhs, rhs) {
            case (.ipv4, .ipv6): return true
            case (.ipv6, .ipv4): return false
            case (.ipv4, .ipv4): return lhs.ipv4Value < rhs.ipv4Value
            case (.ipv6(let a, let b), .ipv6(let c, let d)): return (a, b) < (c, d)
            }
        }

        /// The four octets as one number (0 for IPv6).
        var ipv4Value: UInt32 {
            guard case .ipv4(let a, let b, let c, let d) = self else { return 0 }
            return UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
        }

        /// RFC 5952: lowercase hex, no leading zeros, the longest run (two or more) of zero
        /// groups replaced by `::`, the first such run when two are equally long.
        static func formatIPv6(_ groups: [UInt16]) -> String {
            var bestStart = -1
            var bestLength = 1
            var index = 0
            while index < groups.count {
                if groups[index] == 0 {
                    var end = index
                    while end < groups.count && groups[end] == 0 { end += 1 }
                    if end - index > bestLength {
                        bestStart = index
                        bestLength = end - index
                    }
                    index = end
                } else {
                    index += 1
                }
            }
            let hex = groups.map { String($0, radix: 16) }
            if bestStart < 0 { return hex.joined(separator: ":") }
            let head = hex[..<bestStart].joined(separator: ":")
            let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
            return head + "::" + tail
        }
    }

    public var description: String { "\(host):\(port)" }

    /// Appends the address as text, as `description` spells it, without building a `String`.
    public func write(into bytes: inout [UInt8]) {
        if case .ipv4(let a, let b, let c, let d) = host {
            ASCII.appendDecimal(UInt64(a), to: &bytes)
            bytes.append(UInt8(ascii: "."))
            ASCII.appendDecimal(UInt64(b), to: &bytes)
            bytes.append(UInt8(ascii: "."))
            ASCII.appendDecimal(UInt64(c), to: &bytes)
            bytes.append(UInt8(ascii: "."))
            ASCII.appendDecimal(UInt64(d), to: &bytes)
        } else {
            bytes.append(contentsOf: host.description.utf8)
        }
        bytes.append(UInt8(ascii: ":"))
        ASCII.appendDecimal(UInt64(port), to: &bytes)
    }

    /// An IPv4 address and port in one word (the common case, hashed per message).
    public func hash(into hasher: inout Hasher) {
        switch host {
        case .ipv4:
            hasher.combine(UInt64(host.ipv4Value) << 16 | UInt64(port))
        case .ipv6(let high, let low):
            hasher.combine(high)
            hasher.combine(low)
            hasher.combine(port)
        }
    }

    public static func < (lhs: NodeAddress, rhs: NodeAddress) -> Bool {
        (lhs.host, lhs.port) < (rhs.host, rhs.port)
    }
}

extension NodeAddress {
    /// Parses `a.b.c.d:port` or `[v6]:port`; the whole text must be the address.
    public init(parsing text: some StringProtocol) throws(AddressError) {
        if let plain = Self.plainIPv4(text.utf8) {
            self = plain
            return
        }
        // `fe80::1:5001`: an IPv6 host without its brackets (an IPv4 host has dots before its colon).
        if text.first != "[", text.count(where: { $0 == ":" }) > 1, !text.prefix(while: { $0 != ":" }).contains(".") {
            throw .unbracketedIPv6(String(text))
        }
        var scanner = FieldScanner(Substring(text))
        self = try scanner.address()
        guard scanner.isAtEnd else { throw .trailing(String(text)) }
    }

    /// `a.b.c.d:port` written plainly (no leading zeros), read in one pass over the bytes: the
    /// common case, and the one an outsider can send by the thousand (`Link Request`). Nil for
    /// anything else, which the general parser then reads (and explains, when it is wrong).
    static func plainIPv4(_ bytes: some Collection<UInt8>) -> NodeAddress? {
        let read = bytes.withContiguousStorageIfAvailable { buffer -> NodeAddress? in
            var cursor = ByteCursor(buffer)
            guard let address = cursor.address(), cursor.isAtEnd else { return nil }
            return address
        }
        return read ?? nil
    }

    /// Parses a host alone (`127.0.0.1`, `::1` or `[::1]`), as given to `--host`.
    public static func parseHost(_ text: some StringProtocol) throws(AddressError) -> Host {
        let text = Substring(text)
        if text.first == "[" && text.last == "]" && text.count >= 2 {
            return try parseIPv6(text.dropFirst().dropLast(), whole: String(text))
        }
        if text.contains(":") { return try parseIPv6(text, whole: String(text)) }
        return try parseIPv4(text, whole: String(text))
    }

    static func parseIPv4(_ text: Substring, whole: String) throws(AddressError) -> Host {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw .badIPv4(whole) }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let value = UInt8(part)
            else { throw .badIPv4(whole) }
            octets.append(value)
        }
        return .ipv4(octets[0], octets[1], octets[2], octets[3])
    }

    /// Parses an IPv6 host (without brackets). RFC 4291's dotted form for the last 32 bits
    /// (`::ffff:127.0.0.1`) is read too; an IPv4-mapped host comes back as its IPv4 address.
    static func parseIPv6(_ text: Substring, whole: String) throws(AddressError) -> Host {
        try parseIPv6Groups(text, whole: whole).unmapped
    }

    private static func parseIPv6Groups(_ text: Substring, whole: String) throws(AddressError) -> Host {
        var text = text
        // A dotted IPv4 tail stands for the last two groups.
        var tail4: [UInt16] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            let dotted = text[text.index(after: lastColon)...]
            guard case .ipv4(let a, let b, let c, let d) = try? parseIPv4(dotted, whole: whole) else { throw .badIPv6(whole) }
            tail4 = [UInt16(a) << 8 | UInt16(b), UInt16(c) << 8 | UInt16(d)]
            // Keep the colon when it is half of a "::" (`::1.2.3.4`), drop it otherwise.
            let before = text[..<lastColon]
            text = before.hasSuffix(":") ? text[...lastColon] : before
        }
        // Split once around "::" (at most one), then each side into hex groups.
        let halves = text.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false)
        func groups(_ part: Substring) throws(AddressError) -> [UInt16] {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.utf8.count), let value = UInt16(group, radix: 16),
                    group.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") })
                else { throw .badIPv6(whole) }
                result.append(value)
            }
            return result
        }
        if halves.count == 1 {
            let all = try groups(halves[0]) + tail4
            guard all.count == 8 else { throw .badIPv6(whole) }
            return .ipv6(groups: all)
        }
        if halves[1].contains("::") { throw .badIPv6(whole) }
        let head = try groups(halves[0])
        let tail = try groups(halves[1]) + tail4
        guard head.count + tail.count <= 7 else { throw .badIPv6(whole) }
        return .ipv6(groups: head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail)
    }

    static func parsePort(_ text: Substring, whole: String) throws(AddressError) -> UInt16 {
        guard (1...5).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let value = UInt16(text), value > 0
        else { throw .badPort(whole) }
        return value
    }
}

/// Why a text is not an address. Each case carries the text, so a message can quote it (an
/// escaped excerpt: the text may come from the wire, and the description goes to the log and
/// back to the sender).
public enum AddressError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingPort(String)
    case badIPv4(String)
    case badIPv6(String)
    case badPort(String)
    case trailing(String)
    case unbracketedIPv6(String)

    public var description: String {
        switch self {
        case .missingPort(let t): return "'\(q(t))' is not an address: expected IP:port, e.g. 127.0.0.1:5001 or [::1]:5001"
        case .badIPv4(let t): return "'\(q(t))' is not a valid IPv4 address"
        case .badIPv6(let t): return "'\(q(t))' is not a valid IPv6 address"
        case .badPort(let t): return "'\(q(t))' has no valid port (1-65535)"
        case .trailing(let t): return "'\(q(t))' has text after the address"
        case .unbracketedIPv6(let t): return "'\(q(t))' looks like an IPv6 address: put the IP in brackets, e.g. [::1]:5001"
        }
    }

    private func q(_ text: String) -> String { Message.quote(text[...]) }
}
