/// The seed list, read from `config.txt`: one address a line (`IP:port`, or `name:port` when
/// the reader is given a resolver); blank lines and `#` comments are ignored.
public struct SeedConfig: Equatable, Sendable {
    public var seeds: [NodeAddress]

    public init(seeds: [NodeAddress]) { self.seeds = seeds }

    /// Looks a host name up: the shell passes one in (resolution is I/O, which the core does not
    /// do). The failure is a sentence for the error message.
    public typealias Resolver = (String) -> Result<NodeAddress.Host, HostName.Failure>

    /// Parses the text of a config file; `file` is only for error messages. With `resolve`, a
    /// line may name its host (`localhost:5001`, `seed1.lan:5001`); without, it must be an IP.
    public init(parsing text: String, file: String, resolve: Resolver? = nil) throws(ConfigError) {
        var seeds: [NodeAddress] = []
        var seen: Set<NodeAddress> = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .enumerated()
        {
            var line = rawLine
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty { continue }
            let address: NodeAddress
            do { address = try NodeAddress(parsing: trimmed) } catch {
                guard let resolve, let colon = trimmed.lastIndex(of: ":"), HostName.isValid(trimmed[..<colon]),
                    let port = UInt16(trimmed[trimmed.index(after: colon)...]), port > 0
                else { throw ConfigError(file: file, line: index + 1, problem: error.description) }
                switch resolve(String(trimmed[..<colon])) {
                case .success(let host): address = NodeAddress(host: host, port: port)
                case .failure(let failure): throw ConfigError(file: file, line: index + 1, problem: failure.description)
                }
            }
            guard seen.insert(address).inserted else {
                throw ConfigError(file: file, line: index + 1, problem: "seed \(address) is listed twice")
            }
            seeds.append(address)
        }
        guard !seeds.isEmpty else { throw ConfigError(file: file, line: nil, problem: "no seed addresses in the file") }
        self.seeds = seeds
    }
}

/// Host names as options and config files take them (RFC 1123): dot-separated labels of
/// letters, digits and hyphens, 1-63 each, 253 in all, the last not all digits (so that
/// `1.2.3.999` is a bad IPv4 address, not a name).
public enum HostName {
    public static func isValid(_ text: some StringProtocol) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-",
                label.utf8.allSatisfy(isLabelByte)
            else { return false }
        }
        return !(labels.last!.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"):
            return true
        default: return false
        }
    }

    /// Why a name could not be resolved: `cannot resolve 'seed1.lan': Name or service not known`.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}

/// A config file that cannot be used, with where and why.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var problem: String

    public init(file: String, line: Int?, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String {
        if let line { return "\(file):\(line): \(problem)" }
        return "\(file): \(problem)"
    }
}

extension Substring {
    public func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return s
    }
}
