/// Fixed-point numbers for the reports' tables (no Foundation: done by hand).
public enum DecimalText {
    /// `value` with `places` decimals: `fixed(3.14159, 2)` is `3.14`; with `grouped`, the whole
    /// part has thousands separators (`1,234.5`). Not finite: `-`.
    public static func fixed(_ value: Double, _ places: Int, grouped: Bool = false) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(value) * Double(scale)).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        let whole = grouped ? Self.grouped(scaled / scale) : String(scaled / scale)
        guard places > 0 else { return sign + whole }
        var fraction = String(scaled % scale)
        fraction = String(repeating: "0", count: places - fraction.count) + fraction
        return sign + whole + "." + fraction
    }

    /// A whole number with thousands separators: `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        var digits = String(value)
        var groups: [String] = []
        while digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(digits, at: 0)
        return groups.joined(separator: ",")
    }
}
