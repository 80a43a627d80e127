import Glibc

/// The overlay: peers on a circle in the order given (the caller sorts them by address, so
/// the same network is always drawn the same way), a thin line per link, dead peers marked.
public struct OverlayChart {
    public enum State: Sendable { case live, dead, left }

    public struct Node {
        public var name: String
        public var state: State
        public init(name: String, state: State) {
            self.name = name
            self.state = state
        }
    }

    public var id: String
    public var title: String
    public var description: String
    public var nodes: [Node]
    /// Undirected links, as indices into `nodes`.
    public var edges: [(Int, Int)]

    public init(id: String, title: String, description: String, nodes: [Node], edges: [(Int, Int)]) {
        self.id = id
        self.title = title
        self.description = description
        self.nodes = nodes
        self.edges = edges
    }

    /// Beyond 60 nodes only every k-th is named (about 40 names around the circle).
    var labelEvery: Int { nodes.count <= 60 ? 1 : (nodes.count + 39) / 40 }

    public func svg() -> String {
        let size = nodes.count <= 40 ? 560.0 : 720.0
        let margin = 120.0
        let radius = size / 2 - margin
        let centre = size / 2
        let dot = nodes.count <= 40 ? 6.0 : nodes.count <= 120 ? 4 : 2.5
        // The legend names the states that occur, so a network with no deaths shows no cross.
        var entries = [Legend.Entry(name: "live peer", colour: Palette.live, shape: .dot)]
        if nodes.contains(where: { $0.state == .dead }) {
            entries.append(Legend.Entry(name: "dead (removed by a seed)", colour: Palette.dead, shape: .cross))
        }
        if nodes.contains(where: { $0.state == .left }) {
            entries.append(Legend.Entry(name: "left (removed by a seed)", colour: Palette.left, shape: .square))
        }
        entries.append(Legend.Entry(name: "link", colour: "#7F7F7F", shape: .line))
        let height = size + Legend.height(entries: entries.count, width: size)
        var svg = SVGWriter(id: id, width: size, height: height, title: title, description: description)
        func point(_ k: Int) -> (x: Double, y: Double, angle: Double) {
            // Start at the top and go clockwise.
            let angle = 2 * Double.pi * Double(k) / Double(max(nodes.count, 1)) - Double.pi / 2
            return (centre + radius * cos(angle), centre + radius * sin(angle), angle)
        }
        let thin = nodes.count > 100
        svg.group(tooltip: nil, [("class", thin ? "edges thin" : "edges")]) { svg in
            for (a, b) in edges where a < nodes.count && b < nodes.count && a != b {
                let p = point(a)
                let q = point(b)
                let touchesDead = nodes[a].state != .live || nodes[b].state != .live
                svg.line(p.x, p.y, q.x, q.y, touchesDead ? [("class", "edge-dead")] : [])
            }
        }
        for (k, node) in nodes.enumerated() {
            let p = point(k)
            let stateName = node.state == .live ? "live" : node.state == .dead ? "dead" : "left"
            svg.group(tooltip: "\(node.name) (\(stateName))") { svg in
                switch node.state {
                case .live: svg.circle(cx: p.x, cy: p.y, r: dot, [("fill", Palette.live)])
                case .dead:
                    svg.circle(
                        cx: p.x, cy: p.y, r: dot + 1, [("fill", "#fff"), ("stroke", Palette.dead), ("stroke-width", "1.5")])
                    Marker.draw(.cross, x: p.x, y: p.y, colour: Palette.dead, into: &svg)
                case .left:
                    svg.rect(x: p.x - dot, y: p.y - dot, width: 2 * dot, height: 2 * dot, [("fill", Palette.left)])
                }
            }
            guard k % labelEvery == 0 else { continue }
            // Names point away from the centre, on the left half read right to left.
            let out = radius + dot + 6
            let x = centre + out * cos(p.angle)
            let y = centre + out * sin(p.angle)
            let degrees = p.angle * 180 / Double.pi
            let onLeft = cos(p.angle) < -1e-9
            svg.label(
                node.name, x: x, y: y + 3.5, anchor: onLeft ? "end" : "start", rotate: onLeft ? degrees + 180 : degrees,
                [("class", thin ? "tick small" : "tick")])
        }
        Legend.draw(entries, into: &svg, top: size - 4, left: 20, width: size - 20)
        return svg.finished()
    }
}
