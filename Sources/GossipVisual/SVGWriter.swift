/// Writes one `<svg>` element, a shape a line, with a `<title>` and `<desc>` first so screen
/// readers and printouts have the chart in words. Text is escaped here, always.
struct SVGWriter {
    private(set) var text = ""
    let width: Double
    let height: Double

    init(id: String, width: Double, height: Double, title: String, description: String) {
        self.width = width
        self.height = height
        let id = Markup.escape(id)
        text += "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(id)\" class=\"chart\" role=\"img\""
        text += " viewBox=\"0 0 \(Markup.number(width)) \(Markup.number(height))\""
        text += " width=\"\(Markup.number(width))\" height=\"\(Markup.number(height))\""
        text += " aria-labelledby=\"\(id)-title \(id)-desc\">\n"
        text += "<title id=\"\(id)-title\">\(Markup.escape(title))</title>\n"
        text += "<desc id=\"\(id)-desc\">\(Markup.escape(description))</desc>\n"
    }

    private static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(Markup.escape($0.1))\"" }.joined()
    }

    private static func n(_ value: Double) -> String { Markup.number(value) }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ attributes: [(String, String)] = []) {
        text += "<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\""
        text += Self.attributes(attributes) + "/>\n"
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, _ attributes: [(String, String)] = []) {
        text +=
            "<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(0, width)))\" height=\"\(Self.n(max(0, height)))\""
        text += Self.attributes(attributes) + "/>\n"
    }

    mutating func circle(cx: Double, cy: Double, r: Double, _ attributes: [(String, String)] = []) {
        text += "<circle cx=\"\(Self.n(cx))\" cy=\"\(Self.n(cy))\" r=\"\(Self.n(r))\"" + Self.attributes(attributes) + "/>\n"
    }

    /// A polyline through the points (already in pixels).
    mutating func polyline(_ points: [(Double, Double)], _ attributes: [(String, String)] = []) {
        guard !points.isEmpty else { return }
        let list = points.map { Self.n($0.0) + "," + Self.n($0.1) }.joined(separator: " ")
        text += "<polyline points=\"\(list)\"" + Self.attributes(attributes) + "/>\n"
    }

    mutating func path(_ d: String, _ attributes: [(String, String)] = []) {
        text += "<path d=\"\(Markup.escape(d))\"" + Self.attributes(attributes) + "/>\n"
    }

    /// `anchor`: start, middle or end. `rotate`: degrees about (x, y).
    mutating func label(
        _ string: String, x: Double, y: Double, anchor: String = "start", rotate: Double = 0,
        _ attributes: [(String, String)] = []
    ) {
        text += "<text x=\"\(Self.n(x))\" y=\"\(Self.n(y))\""
        if anchor != "start" { text += " text-anchor=\"\(anchor)\"" }
        if rotate != 0 { text += " transform=\"rotate(\(Self.n(rotate)) \(Self.n(x)) \(Self.n(y)))\"" }
        text += Self.attributes(attributes) + ">\(Markup.escape(string))</text>\n"
    }

    /// A tooltip (`<title>` child) on a group of shapes: hovering shows which node or bar it is.
    mutating func group(tooltip: String?, _ attributes: [(String, String)] = [], _ body: (inout SVGWriter) -> Void) {
        text += "<g" + Self.attributes(attributes) + ">"
        if let tooltip { text += "<title>\(Markup.escape(tooltip))</title>" }
        text += "\n"
        body(&self)
        text += "</g>\n"
    }

    func finished() -> String { text + "</svg>\n" }
}
