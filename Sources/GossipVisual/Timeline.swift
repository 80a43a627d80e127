/// One row per node over the run's time: when it listened, registered, linked, was removed as
/// dead, left, and registered again.
public struct Timeline {
    public enum Kind: CaseIterable, Sendable {
        case listening, registered, linked, reregistered, left, dead

        var name: String {
            switch self {
            case .listening: "listening"
            case .registered: "registered with the seeds"
            case .linked: "linked with a peer"
            case .reregistered: "registered again (a seed)"
            case .left: "removed by a seed: left or expired"
            case .dead: "removed by a seed: dead"
            }
        }

        var shape: Legend.Entry.Shape {
            switch self {
            case .listening: .ring
            case .registered: .dot
            case .linked: .tick
            case .reregistered: .triangle
            case .left: .square
            case .dead: .cross
            }
        }

        var colour: String {
            switch self {
            case .listening: "#000000"
            case .registered: Palette.live
            case .linked: "#7F7F7F"
            case .reregistered: "#009E73"
            case .left: Palette.left
            case .dead: Palette.dead
            }
        }
    }

    public struct Mark {
        public var at: Double
        public var kind: Kind
        public init(at: Double, kind: Kind) {
            self.at = at
            self.kind = kind
        }
    }

    public struct Row {
        public var name: String
        public var marks: [Mark]
        public init(name: String, marks: [Mark]) {
            self.name = name
            self.marks = marks
        }
    }

    public var id: String
    public var title: String
    public var description: String
    public var xLabel: String
    public var rows: [Row]
    /// The end of the time axis (the run's last log line).
    public var end: Double
    public var width = 720.0

    public init(id: String, title: String, description: String, xLabel: String, rows: [Row], end: Double) {
        self.id = id
        self.title = title
        self.description = description
        self.xLabel = xLabel
        self.rows = rows
        self.end = end
    }

    /// Row height shrinks with the number of rows, and beyond 100 rows only every k-th row is
    /// named, so 10 and 300 nodes both stay legible.
    var rowHeight: Double { rows.count <= 30 ? 18 : rows.count <= 100 ? 10 : 4 }
    var labelEvery: Int { rows.count <= 100 ? 1 : (rows.count + 49) / 50 }

    public func svg() -> String {
        let xAxis = Axis(covering: 0, max(end, rows.flatMap { $0.marks.map(\.at) }.max() ?? 1))
        let plotHeight = max(60, Double(rows.count) * rowHeight)
        let frame = PlotFrame(left: 130, top: 10, width: width - 150, height: plotHeight, x: xAxis, y: Axis(covering: 0, 1))
        let entries = Kind.allCases.map { Legend.Entry(name: $0.name, colour: $0.colour, shape: $0.shape) }
        let legendTop = frame.bottom + 46
        let height = legendTop + Legend.height(entries: entries.count, width: width)
        var svg = SVGWriter(id: id, width: width, height: height, title: title, description: description)
        for value in xAxis.ticks {
            let x = frame.px(value)
            svg.line(x, frame.top, x, frame.bottom, [("class", "grid")])
            svg.line(x, frame.bottom, x, frame.bottom + 4, [("class", "axis")])
            svg.label(xAxis.tickText(value), x: x, y: frame.bottom + 16, anchor: "middle", [("class", "tick")])
        }
        svg.line(frame.left, frame.bottom, frame.right, frame.bottom, [("class", "axis")])
        svg.label(xLabel, x: frame.left + frame.width / 2, y: frame.bottom + 34, anchor: "middle", [("class", "axis-title")])
        let small = rows.count > 100
        for (k, row) in rows.enumerated() {
            let y = frame.top + (Double(k) + 0.5) * rowHeight
            if k % labelEvery == 0 {
                svg.label(
                    row.name, x: frame.left - 6, y: y + (small ? 3 : 4), anchor: "end", [("class", small ? "tick small" : "tick")]
                )
            }
            svg.group(tooltip: row.name) { svg in
                let times = row.marks.map(\.at)
                if let first = times.min() {
                    let last = row.marks.first { $0.kind == .dead || $0.kind == .left }?.at ?? end
                    svg.line(frame.px(first), y, frame.px(max(first, last)), y, [("class", "lifeline")])
                }
                for mark in row.marks {
                    if small {
                        // At this density a glyph per event is a smear: links become nothing,
                        // the rest small squares in their colour.
                        guard mark.kind != .linked else { continue }
                        svg.rect(x: frame.px(mark.at) - 1.5, y: y - 1.5, width: 3, height: 3, [("fill", mark.kind.colour)])
                    } else {
                        Marker.draw(mark.kind.shape, x: frame.px(mark.at), y: y, colour: mark.kind.colour, into: &svg)
                    }
                }
            }
        }
        Legend.draw(entries, into: &svg, top: legendTop, left: 20, width: width - 20)
        return svg.finished()
    }
}
