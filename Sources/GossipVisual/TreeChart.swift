import GossipReport

/// Who first got one message from whom: the origin at the left, each peer at the time it got
/// the message (x) and in depth-first order (y), joined to the neighbour it got it from.
public struct TreeChart {
    public struct Node {
        public var name: String
        /// Index of the node it first got the message from; nil for the origin (or unknown).
        public var parent: Int?
        /// Time since the message was created, in the chart's unit.
        public var at: Double
        public init(name: String, parent: Int?, at: Double) {
            self.name = name
            self.parent = parent
            self.at = at
        }
    }

    public var id: String
    public var title: String
    public var description: String
    public var xLabel: String
    /// The unit written after each hop time ("ms").
    public var unit: String
    public var nodes: [Node]
    public var width = 720.0

    public init(id: String, title: String, description: String, xLabel: String, unit: String, nodes: [Node]) {
        self.id = id
        self.title = title
        self.description = description
        self.xLabel = xLabel
        self.unit = unit
        self.nodes = nodes
    }

    var rowHeight: Double { nodes.count <= 40 ? 18 : nodes.count <= 120 ? 9 : 4 }
    var labelled: Bool { nodes.count <= 120 }

    /// Depth-first order from the roots, children by time then name; hop count of each node.
    func order() -> (order: [Int], depth: [Int]) {
        var children = [[Int]](repeating: [], count: nodes.count)
        var roots: [Int] = []
        for (k, node) in nodes.enumerated() {
            if let parent = node.parent, parent >= 0, parent < nodes.count, parent != k {
                children[parent].append(k)
            } else {
                roots.append(k)
            }
        }
        func earlier(_ a: Int, _ b: Int) -> Bool {
            (nodes[a].at, nodes[a].name) < (nodes[b].at, nodes[b].name)
        }
        var order: [Int] = []
        var depth = [Int](repeating: 0, count: nodes.count)
        var visited = [Bool](repeating: false, count: nodes.count)
        var stack = roots.sorted(by: earlier).reversed().map { ($0, 0) }
        while let (k, d) = stack.popLast() {
            guard !visited[k] else { continue }
            visited[k] = true
            depth[k] = d
            order.append(k)
            for child in children[k].sorted(by: earlier).reversed() { stack.append((child, d + 1)) }
        }
        // A cycle in bad input leaves nodes unvisited: draw them last, unconnected.
        for k in nodes.indices where !visited[k] { order.append(k) }
        return (order, depth)
    }

    public func svg() -> String {
        let (order, depth) = order()
        var row = [Int](repeating: 0, count: nodes.count)
        for (r, k) in order.enumerated() { row[k] = r }
        let xAxis = Axis(covering: 0, nodes.map(\.at).max() ?? 1)
        let labelSpace = labelled ? 190.0 : 20
        let frame = PlotFrame(
            left: 20, top: 10, width: width - 40 - labelSpace, height: max(40, Double(nodes.count) * rowHeight), x: xAxis,
            y: Axis(covering: 0, 1))
        var svg = SVGWriter(id: id, width: width, height: frame.bottom + 44, title: title, description: description)
        for value in xAxis.ticks {
            let x = frame.px(value)
            svg.line(x, frame.top, x, frame.bottom, [("class", "grid")])
            svg.label(xAxis.tickText(value), x: x, y: frame.bottom + 16, anchor: "middle", [("class", "tick")])
        }
        svg.line(frame.left, frame.bottom, frame.right, frame.bottom, [("class", "axis")])
        svg.label(xLabel, x: frame.left + frame.width / 2, y: frame.bottom + 34, anchor: "middle", [("class", "axis-title")])
        func y(_ k: Int) -> Double { frame.top + (Double(row[k]) + 0.5) * rowHeight }
        svg.group(tooltip: nil, [("class", nodes.count > 120 ? "edges thin" : "edges")]) { svg in
            for k in order {
                guard let parent = nodes[k].parent, parent >= 0, parent < nodes.count, parent != k else { continue }
                let d =
                    "M\(Markup.number(frame.px(nodes[parent].at))) \(Markup.number(y(parent)))"
                    + "V\(Markup.number(y(k)))H\(Markup.number(frame.px(nodes[k].at)))"
                svg.path(d, [("fill", "none")])
            }
        }
        let dot = nodes.count <= 120 ? 3.5 : 2
        for k in order {
            let node = nodes[k]
            let time = DecimalText.fixed(node.at, 1) + " " + unit
            let hops = depth[k] == 0 ? "origin" : "hop \(depth[k])"
            svg.group(tooltip: "\(node.name): \(time), \(hops)") { svg in
                svg.circle(
                    cx: frame.px(node.at), cy: y(k), r: depth[k] == 0 ? dot + 2 : dot,
                    [("fill", Palette.colour(depth[k] == 0 ? 5 : 0))])
            }
            if labelled || depth[k] == 0 {
                svg.label(
                    "\(node.name)  \(time) (\(hops))", x: frame.px(node.at) + dot + 4, y: y(k) + 4,
                    [("class", labelled ? "tick" : "tick small")])
            }
        }
        return svg.finished()
    }
}
