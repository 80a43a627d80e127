/// The seed list, read from `config.txt`: one address a line; blank lines and `#` comments
/// are ignored.
public struct SeedConfig: Equatable, Sendable {
    public var seeds: [NodeAddress]

    public init(seeds: [NodeAddress]) { self.seeds = seeds }

    /// Parses the text of a config file; `file` is only for error messages.
    public init(parsing text: String, file: String) throws(ConfigError) {
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
                throw ConfigError(file: file, line: index + 1, problem: error.description)
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
