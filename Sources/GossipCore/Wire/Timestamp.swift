/// A wall-clock time as written in messages: Unix epoch seconds with milliseconds,
/// `1795287680.731`.
///
/// Kept as whole milliseconds so that printing and parsing round-trip exactly.
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public var description: String {
        let seconds = milliseconds / 1000
        let millis = milliseconds % 1000
        let fraction = String(millis)
        return "\(seconds)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// Appends the timestamp as `description` spells it, without building a `String`.
    public func write(into bytes: inout [UInt8]) {
        // Before 1970: not a time a node writes, but spelled as `description` spells it.
        guard milliseconds >= 0 else { return bytes.append(contentsOf: description.utf8) }
        ASCII.appendDecimal(UInt64(milliseconds / 1000), to: &bytes)
        let millis = UInt8(milliseconds % 1000 / 100), centis = UInt8(milliseconds % 100 / 10), last = UInt8(milliseconds % 10)
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + millis)
        bytes.append(UInt8(ascii: "0") + centis)
        bytes.append(UInt8(ascii: "0") + last)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// Parses `seconds.mmm` (exactly three decimals, as nodes write them) or whole seconds.
    public init?(parsing text: Substring) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        func digits(_ s: Substring, max: Int) -> Bool {
            (1...max).contains(s.utf8.count) && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
        }
        guard digits(parts[0], max: 12), let seconds = Int64(parts[0]) else { return nil }
        var millis: Int64 = 0
        if parts.count == 2 {
            guard parts[1].utf8.count == 3, digits(parts[1], max: 3), let value = Int64(parts[1]) else { return nil }
            millis = value
        }
        self.milliseconds = seconds * 1000 + millis
    }

    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(milliseconds: lhs.milliseconds + rhs.wholeMilliseconds)
    }
}

extension Duration {
    /// Seconds with one decimal, for log lines: `2.5 s`.
    public var secondsText: String {
        let tenths = (wholeMilliseconds + 50) / 100
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// The duration in whole milliseconds, rounded down.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The duration in whole nanoseconds, rounded down.
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Seconds as a floating-point number, for reports.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
