import GossipReport

/// Grouped bars with an optional target per group: the bench's figures beside their targets,
/// and two bench files side by side (one series each).
public struct BarChart {
    public struct Group {
        public var label: String
        /// One value per series; nil: not measured (drawn as "n/a").
        public var values: [Double?]
        /// The target for this group, drawn as a dashed line across it.
        public var target: Double?

        public init(label: String, values: [Double?], target: Double? = nil) {
            self.label = label
            self.values = values
            self.target = target
        }
    }

    public var id: String
    public var title: String
    public var description: String
    public var xLabel: String
    public var yLabel: String
    public var seriesNames: [String]
    public var groups: [Group]
    /// Decimals of the value written above each bar.
    public var decimals = 1
    /// What the target line means, for the legend ("target (at most)").
    public var targetName = "target"
    public var width = 720.0
    public var plotHeight = 220.0

    public init(
        id: String, title: String, description: String, xLabel: String, yLabel: String, seriesNames: [String],
        groups: [Group]
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.seriesNames = seriesNames
        self.groups = groups
    }

    public func svg() -> String {
        let values = groups.flatMap { $0.values.compactMap { $0 } + ($0.target.map { [$0] } ?? []) }
        let yAxis = Axis(covering: 0, values.max() ?? 1)
        var entries = seriesNames.enumerated().map {
            Legend.Entry(name: $0.element, colour: Palette.colour($0.offset), shape: .box)
        }
        if groups.contains(where: { $0.target != nil }) {
            entries.append(Legend.Entry(name: targetName, colour: "#000", shape: .dashed))
        }
        let frame = PlotFrame(left: 70, top: 14, width: width - 90, height: plotHeight, x: Axis(covering: 0, 1), y: yAxis)
        let legendTop = frame.bottom + 46
        let height = legendTop + Legend.height(entries: entries.count, width: width)
        var svg = SVGWriter(id: id, width: width, height: height, title: title, description: description)
        frame.draw(into: &svg, xLabel: xLabel, yLabel: yLabel, xTicks: false)
        let slot = frame.width / Double(max(groups.count, 1))
        let series = max(seriesNames.count, 1)
        let barWidth = slot * 0.7 / Double(series)
        let showValues = groups.count * series <= 24
        for (g, group) in groups.enumerated() {
            let x0 = frame.left + Double(g) * slot + slot * 0.15
            for s in 0..<series {
                let x = x0 + Double(s) * barWidth
                let name = s < seriesNames.count ? seriesNames[s] : ""
                guard s < group.values.count, let value = group.values[s] else {
                    svg.label("n/a", x: x + barWidth / 2, y: frame.bottom - 4, anchor: "middle", [("class", "tick")])
                    continue
                }
                let top = frame.py(value)
                let text = DecimalText.fixed(value, decimals, grouped: true)
                svg.group(tooltip: "\(group.label), \(name): \(text)") { svg in
                    svg.rect(
                        x: x + 1, y: top, width: barWidth - 2, height: frame.bottom - top,
                        [("class", "bar"), ("fill", Palette.colour(s))])
                }
                if showValues {
                    svg.label(text, x: x + barWidth / 2, y: top - 4, anchor: "middle", [("class", "value")])
                }
            }
            if let target = group.target {
                let y = frame.py(target)
                svg.line(x0 - 4, y, x0 + slot * 0.7 + 4, y, [("class", "target")])
            }
            svg.label(
                group.label, x: frame.left + (Double(g) + 0.5) * slot, y: frame.bottom + 16, anchor: "middle", [("class", "tick")]
            )
        }
        Legend.draw(entries, into: &svg, top: legendTop, left: frame.left, width: width - frame.left)
        return svg.finished()
    }
}
