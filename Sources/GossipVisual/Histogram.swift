/// Counts per category, one bar each: hops per delivery, overlay degree.
public struct Histogram {
    public var id: String
    public var title: String
    public var description: String
    public var xLabel: String
    public var yLabel: String
    /// In the order drawn, left to right.
    public var bins: [(label: String, count: Int)]
    public var width = 720.0
    public var plotHeight = 220.0

    public init(
        id: String, title: String, description: String, xLabel: String, yLabel: String, bins: [(label: String, count: Int)]
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.bins = bins
    }

    public func svg() -> String {
        let yAxis = Axis(covering: 0, Double(bins.map(\.count).max() ?? 1))
        let frame = PlotFrame(left: 70, top: 14, width: width - 90, height: plotHeight, x: Axis(covering: 0, 1), y: yAxis)
        var svg = SVGWriter(id: id, width: width, height: frame.bottom + 44, title: title, description: description)
        frame.draw(into: &svg, xLabel: xLabel, yLabel: yLabel, xTicks: false)
        let slot = frame.width / Double(max(bins.count, 1))
        // At most about 24 category labels fit under the axis; label every k-th bar beyond that.
        let labelEvery = max(1, (bins.count + 23) / 24)
        for (k, bin) in bins.enumerated() {
            let x = frame.left + Double(k) * slot
            let top = frame.py(Double(bin.count))
            svg.group(tooltip: "\(bin.label): \(bin.count)") { svg in
                svg.rect(
                    x: x + slot * 0.1, y: top, width: slot * 0.8, height: frame.bottom - top,
                    [("class", "bar"), ("fill", Palette.colour(0))])
            }
            if k % labelEvery == 0 {
                svg.label(bin.label, x: x + slot / 2, y: frame.bottom + 16, anchor: "middle", [("class", "tick")])
            }
        }
        return svg.finished()
    }
}
