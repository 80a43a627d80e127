import GossipCore
import GossipReport
import GossipRuntime

/// Numbers as the bench's table writes them (no Foundation: done by hand).
enum BenchFormat {
    /// `value` with `places` decimals and thousands separators: `fixed(1234.567, 1)` is `1,234.6`.
    static func fixed(_ value: Double, _ places: Int) -> String { DecimalText.fixed(value, places, grouped: true) }

    /// A whole number with thousands separators: `1,234,567`.
    static func count(_ value: Double) -> String { fixed(value, 0) }

    static func grouped(_ value: Int) -> String { DecimalText.grouped(value) }

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
