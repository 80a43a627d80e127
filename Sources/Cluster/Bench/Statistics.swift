/// Order statistics of a sample.
enum Statistics {
    /// The nearest-rank percentile (`p` from 0 to 100): the smallest value with at least p % of
    /// the sample at or below it. nil for an empty sample.
    static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Rounded to `places` decimals (for the report; the measurement keeps its precision).
    static func rounded(_ value: Double?, _ places: Int) -> Double? {
        guard let value, value.isFinite else { return nil }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}
