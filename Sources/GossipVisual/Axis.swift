import GossipReport

/// A linear scale from data values to pixels, with "nice" ticks (1, 2 or 5 times a power of
/// ten) that cover the data.
struct Axis {
    let low: Double
    let high: Double
    let ticks: [Double]
    let decimals: Int

    /// Covers `low...high`, with about `count` ticks. An empty or flat range becomes 0...1.
    init(covering low: Double, _ high: Double, count: Int = 5) {
        var lo = low.isFinite ? low : 0
        var hi = high.isFinite ? high : 1
        if hi <= lo { hi = lo + (lo == 0 ? 1 : abs(lo)) }
        let raw = (hi - lo) / Double(max(count, 1))
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? magnitude * 10
        lo = (lo / step).rounded(.down) * step
        hi = (hi / step).rounded(.up) * step
        var ticks: [Double] = []
        var k = 0
        while true {
            let value = lo + Double(k) * step
            if value > hi + step / 2 { break }
            ticks.append(value)
            k += 1
        }
        var decimals = 0
        var unit = 1.0
        while unit > step * 1.0001, decimals < 6 {
            unit /= 10
            decimals += 1
        }
        self.low = lo
        self.high = hi
        self.ticks = ticks
        self.decimals = decimals
    }

    /// The fraction of the way from `low` to `high`.
    func position(_ value: Double) -> Double { (value - low) / (high - low) }

    func tickText(_ value: Double) -> String { DecimalText.fixed(value, decimals, grouped: true) }
}

/// The frame of an x/y chart: plot area, grid, ticks, axis titles with their units.
struct PlotFrame {
    let left: Double
    let top: Double
    let width: Double
    let height: Double
    let x: Axis
    let y: Axis

    func px(_ value: Double) -> Double { left + x.position(value) * width }
    func py(_ value: Double) -> Double { top + height - y.position(value) * height }
    var bottom: Double { top + height }
    var right: Double { left + width }

    /// Grid lines, tick labels and the two axis titles. `xTicks: false` for charts whose x
    /// labels are categories drawn by the chart itself.
    func draw(into svg: inout SVGWriter, xLabel: String, yLabel: String, xTicks: Bool = true) {
        for value in y.ticks {
            let yy = py(value)
            svg.line(left, yy, right, yy, [("class", "grid")])
            svg.label(y.tickText(value), x: left - 6, y: yy + 4, anchor: "end", [("class", "tick")])
        }
        if xTicks {
            for value in x.ticks {
                let xx = px(value)
                svg.line(xx, bottom, xx, bottom + 4, [("class", "axis")])
                svg.label(x.tickText(value), x: xx, y: bottom + 16, anchor: "middle", [("class", "tick")])
            }
        }
        svg.line(left, bottom, right, bottom, [("class", "axis")])
        svg.line(left, top, left, bottom, [("class", "axis")])
        svg.label(xLabel, x: left + width / 2, y: bottom + 34, anchor: "middle", [("class", "axis-title")])
        svg.label(yLabel, x: 14, y: top + height / 2, anchor: "middle", rotate: -90, [("class", "axis-title")])
    }
}

/// A legend under a chart: a swatch and a name per entry, in rows that wrap.
struct Legend {
    struct Entry {
        var name: String
        var colour: String
        var shape: Shape = .line
        enum Shape { case line, box, dot, ring, cross, triangle, square, tick, dashed }
    }

    static let entryWidth = 170.0
    static let rowHeight = 18.0

    static func height(entries: Int, width: Double) -> Double {
        guard entries > 0 else { return 0 }
        let perRow = max(1, Int((width - 20) / entryWidth))
        return Double((entries + perRow - 1) / perRow) * rowHeight + 8
    }

    static func draw(_ entries: [Entry], into svg: inout SVGWriter, top: Double, left: Double, width: Double) {
        let perRow = max(1, Int((width - 20) / entryWidth))
        svg.group(tooltip: nil, [("class", "legend")]) { svg in
            for (k, entry) in entries.enumerated() {
                let x = left + Double(k % perRow) * entryWidth
                let y = top + Double(k / perRow) * rowHeight + 10
                Marker.draw(entry.shape, x: x + 9, y: y - 4, colour: entry.colour, into: &svg)
                svg.label(entry.name, x: x + 24, y: y, [("class", "legend-text")])
            }
        }
    }
}

/// The small glyphs of legends and timelines.
enum Marker {
    static func draw(_ shape: Legend.Entry.Shape, x: Double, y: Double, colour: String, into svg: inout SVGWriter) {
        switch shape {
        case .line: svg.line(x - 8, y, x + 8, y, [("stroke", colour), ("stroke-width", "2.5")])
        case .dashed: svg.line(x - 8, y, x + 8, y, [("stroke", colour), ("stroke-width", "2"), ("stroke-dasharray", "4 3")])
        case .box: svg.rect(x: x - 6, y: y - 6, width: 12, height: 12, [("fill", colour)])
        case .dot: svg.circle(cx: x, cy: y, r: 4, [("fill", colour)])
        case .ring: svg.circle(cx: x, cy: y, r: 4, [("fill", "#fff"), ("stroke", colour), ("stroke-width", "1.5")])
        case .square: svg.rect(x: x - 4, y: y - 4, width: 8, height: 8, [("fill", colour)])
        case .tick: svg.line(x, y - 5, x, y + 5, [("stroke", colour), ("stroke-width", "1.5")])
        case .triangle:
            svg.path(
                "M\(Markup.number(x)) \(Markup.number(y - 5))L\(Markup.number(x + 5)) \(Markup.number(y + 4))L\(Markup.number(x - 5)) \(Markup.number(y + 4))Z",
                [("fill", colour)])
        case .cross:
            svg.path(
                "M\(Markup.number(x - 4)) \(Markup.number(y - 4))L\(Markup.number(x + 4)) \(Markup.number(y + 4))M\(Markup.number(x + 4)) \(Markup.number(y - 4))L\(Markup.number(x - 4)) \(Markup.number(y + 4))",
                [("stroke", colour), ("stroke-width", "2.5")])
        }
    }
}
