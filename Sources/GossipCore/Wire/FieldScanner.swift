/// Reads the colon-separated fields of a line from left to right.
///
/// An address field is read with its own rule (a bracketed IPv6 host may hold colons), so
/// every message with addresses in it is split the same, safe way.
struct FieldScanner {
    private(set) var rest: Substring

    init(_ text: Substring) { rest = text }

    var isAtEnd: Bool { rest.isEmpty }

    /// Reads `host:port`, stopping before the `:` or `,` that follows the port.
    mutating func address() throws(AddressError) -> NodeAddress {
        let start = rest
        let host: NodeAddress.Host
        if rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else { throw .badIPv6(String(start)) }
            host = try NodeAddress.parseIPv6(rest[rest.index(after: rest.startIndex)..<close], whole: String(rest[...close]))
            rest = rest[rest.index(after: close)...]
        } else {
            guard let colon = rest.firstIndex(of: ":") else { throw .missingPort(String(start)) }
            host = try NodeAddress.parseIPv4(rest[..<colon], whole: String(rest[..<colon]))
            rest = rest[colon...]
        }
        guard rest.first == ":" else { throw .missingPort(String(start)) }
        rest = rest.dropFirst()
        let end = rest.firstIndex(where: { $0 == ":" || $0 == "," }) ?? rest.endIndex
        let port = try NodeAddress.parsePort(rest[..<end], whole: String(start[..<end]))
        rest = rest[end...]
        return NodeAddress(host: host, port: port)
    }

    /// Reads up to the next `:` (or the end) without consuming it.
    mutating func field() -> Substring {
        let end = rest.firstIndex(of: ":") ?? rest.endIndex
        defer { rest = rest[end...] }
        return rest[..<end]
    }

    /// Consumes one `:`; false when the next character is something else.
    mutating func separator() -> Bool {
        guard rest.first == ":" else { return false }
        rest = rest.dropFirst()
        return true
    }

    /// Everything not yet read.
    mutating func remainder() -> Substring {
        defer { rest = rest[rest.endIndex...] }
        return rest
    }
}
