/// One self-contained HTML file: inline CSS and SVG, no script, nothing fetched; prints on A4.
/// Every piece of text given to it is escaped here (headings, paragraphs, table cells); the
/// charts come as SVG already written by the chart types, which escape their own text.
public struct HTMLPage {
    public struct Table {
        public var caption: String
        public var headers: [String]
        public var rows: [[String]]
        public init(caption: String, headers: [String], rows: [[String]]) {
            self.caption = caption
            self.headers = headers
            self.rows = rows
        }
    }

    public struct Section {
        public var heading: String
        /// The chart in words: what it shows and the figures a reader wants first.
        public var summary: [String]
        /// SVG markup from one of the chart types; nil: a section of text and table only.
        public var chart: String?
        public var table: Table?
        public init(heading: String, summary: [String], chart: String? = nil, table: Table? = nil) {
            self.heading = heading
            self.summary = summary
            self.chart = chart
            self.table = table
        }
    }

    public var title: String
    /// Lines under the title: the input, the run's options.
    public var subtitle: [String]
    public var sections: [Section]

    public init(title: String, subtitle: [String], sections: [Section]) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }

    static let style = """
        body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#111;background:#fff;margin:24px;max-width:1180px}
        h1{font-size:22px;margin:0 0 4px}
        h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccc;padding-bottom:3px}
        p.sub{margin:2px 0;color:#444;font-size:13px}
        .row{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}
        .text{flex:1 1 300px;font-size:13px;line-height:1.45}
        .text p{margin:0 0 8px}
        figure{margin:0;flex:0 0 auto}
        table{border-collapse:collapse;font-size:12px;margin-top:6px}
        caption{text-align:left;font-weight:bold;padding-bottom:3px}
        th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
        td.n{text-align:right;font-variant-numeric:tabular-nums}
        svg.chart{display:block;max-width:100%;height:auto;font-size:11px;margin-bottom:8px}
        svg .grid{stroke:#e4e4e4;stroke-width:1}
        svg .axis{stroke:#333;stroke-width:1}
        svg .tick{fill:#333;font-size:11px}
        svg .small{font-size:7px}
        svg .axis-title{fill:#111;font-size:12px;font-weight:bold}
        svg .legend-text{fill:#111;font-size:11px}
        svg .value{fill:#333;font-size:10px}
        svg .series{fill:none;stroke-width:2}
        svg .target{stroke:#000;stroke-width:1.5;stroke-dasharray:5 3}
        svg .lifeline{stroke:#c8c8c8;stroke-width:1}
        svg .edges line,svg .edges path{stroke:#7F7F7F;stroke-width:1;stroke-opacity:.7;fill:none}
        svg .edges.thin line,svg .edges.thin path{stroke-width:.4;stroke-opacity:.45}
        svg .edges line.edge-dead{stroke:#D55E00;stroke-dasharray:3 2}
        @media print{body{margin:0}h2{break-after:avoid}.row{break-inside:avoid}}
        """

    public func html() -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>\(Markup.escape(title))</title>\n<style>\n\(Self.style)\n</style>\n</head>\n<body>\n"
        out += "<h1>\(Markup.escape(title))</h1>\n"
        for line in subtitle { out += "<p class=\"sub\">\(Markup.escape(line))</p>\n" }
        for section in sections {
            out += "<section>\n<h2>\(Markup.escape(section.heading))</h2>\n<div class=\"row\">\n"
            if let chart = section.chart { out += "<figure>\n\(chart)</figure>\n" }
            out += "<div class=\"text\">\n"
            for paragraph in section.summary { out += "<p>\(Markup.escape(paragraph))</p>\n" }
            if let table = section.table { out += Self.html(table) }
            out += "</div>\n</div>\n</section>\n"
        }
        out += "</body>\n</html>\n"
        return out
    }

    static func html(_ table: Table) -> String {
        var out = "<table>\n<caption>\(Markup.escape(table.caption))</caption>\n<tr>"
        for header in table.headers { out += "<th>\(Markup.escape(header))</th>" }
        out += "</tr>\n"
        for row in table.rows {
            out += "<tr>"
            for cell in row {
                let numeric = cell.first?.isNumber == true && cell.allSatisfy { $0.isNumber || ".,-+% ".contains($0) }
                out += numeric ? "<td class=\"n\">\(Markup.escape(cell))</td>" : "<td>\(Markup.escape(cell))</td>"
            }
            out += "</tr>\n"
        }
        return out + "</table>\n"
    }
}
