/// Numbers as the bench's table writes them (no Foundation: done by hand).
enum BenchFormat {
    /// `value` with `places` decimals: `fixed(3.14159, 2)` is `3.14`.
    static func fixed(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(value) * Double(scale)).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard places > 0 else { return sign + grouped(scaled) }
        var fraction = String(scaled % scale)
        fraction = String(repeating: "0", count: places - fraction.count) + fraction
        return sign + grouped(scaled / scale) + "." + fraction
    }

    /// A whole number with thousands separators: `1,234,567`.
    static func count(_ value: Double) -> String { fixed(value, 0) }

    static func grouped(_ value: Int) -> String {
        var digits = String(value)
        var groups: [String] = []
        while digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(digits, at: 0)
        return groups.joined(separator: ",")
    }

    static func seconds(_ duration: Duration) -> String { fixed(duration.seconds, 1) + " s" }

    /// Bytes in MB (10^6 bytes), one decimal.
    static func megabytes(_ bytes: Int?) -> String {
        guard let bytes else { return "-" }
        return fixed(Double(bytes) / 1e6, 1) + " MB"
    }

    /// A measurement with `places` decimals, or `-` when there is none.
    static func optional(_ value: Double?, _ places: Int, _ unit: String = "") -> String {
        guard let value, value.isFinite else { return "-" }
        return fixed(value, places) + unit
    }

    static func percent(_ fraction: Double) -> String { fixed(fraction * 100, 1) + " %" }
}
