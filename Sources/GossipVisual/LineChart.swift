/// Lines over a numeric x axis: delivery over time, coverage of each broadcast over time.
public struct LineChart {
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Drawn as a staircase (a count that changes at events) rather than straight segments.
        public var stepped: Bool

        public init(name: String, points: [(x: Double, y: Double)], stepped: Bool = false) {
            self.name = name
            self.points = points
            self.stepped = stepped
        }
    }

    public var id: String
    public var title: String
    public var description: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Fixed y range (e.g. 0...1 for a fraction); nil: from the data, starting at 0.
    public var yRange: ClosedRange<Double>?
    public var width = 720.0
    public var plotHeight = 260.0
    /// Series beyond this many are drawn but not named in the legend (which says so).
    public var legendLimit = 12

    public init(
        id: String, title: String, description: String, xLabel: String, yLabel: String, series: [Series],
        yRange: ClosedRange<Double>? = nil
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
    }

    public func svg() -> String {
        let all = series.flatMap(\.points)
        let xs = all.map(\.x)
        let ys = all.map(\.y)
        let xAxis = Axis(covering: min(0, xs.min() ?? 0), xs.max() ?? 1)
        let yAxis = yRange.map { Axis(covering: $0.lowerBound, $0.upperBound) } ?? Axis(covering: 0, ys.max() ?? 1)
        var entries = series.prefix(legendLimit).enumerated().map {
            Legend.Entry(name: $0.element.name, colour: Palette.colour($0.offset))
        }
        if series.count > legendLimit {
            entries.append(Legend.Entry(name: "… \(series.count - legendLimit) more", colour: "#bbb"))
        }
        let frame = PlotFrame(left: 70, top: 14, width: width - 90, height: plotHeight, x: xAxis, y: yAxis)
        let legendTop = frame.bottom + 46
        let height = legendTop + Legend.height(entries: entries.count, width: width)
        var svg = SVGWriter(id: id, width: width, height: height, title: title, description: description)
        frame.draw(into: &svg, xLabel: xLabel, yLabel: yLabel)
        for (k, one) in series.enumerated() {
            var pixels: [(Double, Double)] = []
            for (i, point) in one.points.enumerated() {
                if one.stepped, i > 0 { pixels.append((frame.px(point.x), frame.py(one.points[i - 1].y))) }
                pixels.append((frame.px(point.x), frame.py(point.y)))
            }
            svg.group(tooltip: one.name) { svg in
                svg.polyline(pixels, [("class", "series"), ("stroke", Palette.colour(k))])
                if one.points.count == 1, let only = pixels.first {
                    svg.circle(cx: only.0, cy: only.1, r: 3, [("fill", Palette.colour(k))])
                }
            }
        }
        Legend.draw(entries, into: &svg, top: legendTop, left: frame.left, width: width - frame.left)
        return svg.finished()
    }
}
