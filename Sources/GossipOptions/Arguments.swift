import GossipCore

/// A wrong command line: one line naming the problem. Programs print it and exit 2.
public struct UsageError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Reads `--name value` and `--name=value` options from a command line, one at a time.
public struct ArgumentReader {
    private var remaining: ArraySlice<String>
    /// Values that are legal but probably not what was meant (a unitless `--gossip-interval 200`
    /// is 200 seconds), said back in a sentence each; the program prints them on standard error.
    public private(set) var notes: [String] = []

    public init(_ arguments: [String]) { remaining = arguments[...] }

    /// The next option name (with its dashes), or nil at the end.
    public mutating func nextOption() throws(UsageError) -> String? {
        guard let first = remaining.first else { return nil }
        guard first.hasPrefix("--"), first.count > 2 else { throw UsageError("unexpected argument '\(first)'") }
        if let equals = first.firstIndex(of: "=") {
            remaining[remaining.startIndex] = String(first[first.index(after: equals)...])
            return String(first[..<equals])
        }
        remaining = remaining.dropFirst()
        return first
    }

    /// The value of the option just read.
    public mutating func value(for option: String) throws(UsageError) -> String {
        guard let value = remaining.first else { throw UsageError("\(option) needs a value") }
        remaining = remaining.dropFirst()
        return value
    }

    public mutating func integer(for option: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        let text = try value(for: option)
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("\(option) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }

    public mutating func duration(for option: String) throws(UsageError) -> Duration {
        let text = try value(for: option)
        guard let duration = DurationText.parse(text) else {
            throw UsageError("\(option) must be a duration such as 0.2, 200ms, 2s or 1m, not '\(text)'")
        }
        guard duration > .zero else { throw UsageError("\(option) must be greater than 0, not '\(text)'") }
        if !DurationText.hasUnit(text), duration >= .seconds(60) {
            notes.append(
                "note: \(option) \(text) has no unit and is read as \(text) seconds (\(DurationText.format(duration))); "
                    + "write \(text)ms for milliseconds")
        }
        return duration
    }

    public mutating func port(for option: String) throws(UsageError) -> UInt16 {
        UInt16(try integer(for: option, in: 0...65535))
    }

    public mutating func host(for option: String) throws(UsageError) -> NodeAddress.Host {
        let text = try value(for: option)
        do { return try NodeAddress.parseHost(text) } catch { throw UsageError("\(option): \(error)") }
    }

    /// An IP address, or a host name to be resolved when the program starts.
    public mutating func hostOrName(for option: String) throws(UsageError) -> HostText {
        let text = try value(for: option)
        do { return .address(try NodeAddress.parseHost(text)) } catch {
            guard HostName.isValid(text) else {
                throw UsageError("\(option): '\(text)' is neither an IP address nor a host name (\(error))")
            }
            return .name(text)
        }
    }
}

/// A host as an option gives it: an address already, or a name that the program resolves
/// at start (`NodeLauncher`; resolution is I/O).
public enum HostText: Equatable, Sendable, CustomStringConvertible {
    case address(NodeAddress.Host)
    case name(String)

    public var description: String {
        switch self {
        case .address(let host): return host.description
        case .name(let name): return name
        }
    }
}

/// Durations as options take them: decimal seconds (`0.2`), or a number with a unit
/// (`200ms`, `2s`, `1m`).
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60)]
        var number = Substring(text)
        var scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = number.dropLast(suffix.count)
            scale = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Double(number), value.isFinite, value * scale < 1e9
        else { return nil }
        return .nanoseconds(Int64((value * scale * 1e9).rounded()))
    }

    /// Whether the text names its unit (`200ms`, `2s`, `1m`); `0.2` is seconds without one.
    public static func hasUnit(_ text: String) -> Bool {
        text.last.map { $0.isLetter } ?? false
    }

    /// Prints a duration the way options take it (`200ms`, `13s`).
    /// Exact to the nanosecond, so a duration passed on by `cluster` is the one given.
    public static func format(_ duration: Duration) -> String {
        let nanos = duration.wholeNanoseconds
        if nanos % 1_000_000_000 == 0 { return "\(nanos / 1_000_000_000)s" }
        if nanos % 1_000_000 == 0 { return "\(nanos / 1_000_000)ms" }
        var fraction = String(nanos % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(nanos / 1_000_000_000).\(fraction)"
    }
}

/// Asks for a port on standard input, as the programs do when no `--port` is given.
public enum PortPrompt {
    /// Prompts until a valid port is typed; nil at end of input.
    public static func ask(_ prompt: String, write: (String) -> Void, readLine: () -> String?) -> UInt16? {
        while true {
            write(prompt)
            guard let line = readLine() else { return nil }
            let text = line.trimmingCharacters(in: " \t\r")
            if let port = Int(text), (0...65535).contains(port) { return UInt16(port) }
            write("'\(Message.quote(text[...]))' is not a port number: type a whole number from 0 to 65535 (0: any free port)\n")
        }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
