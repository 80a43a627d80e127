import GossipReport
import Testing

@testable import GossipVisual

/// Occurrences of `needle` in `text`.
func count(_ needle: String, in text: String) -> Int {
    var total = 0
    var rest = text[...]
    while let range = rest.firstRange(of: needle) {
        total += 1
        rest = rest[range.upperBound...]
    }
    return total
}

@Suite struct MarkupTests {
    @Test func hostileTextCannotOpenATagOrHideItself() {
        let hostile = "<script>alert('x')</script> & \"q\" \u{0}\u{1B}[31m\u{7F}\u{85}"
        let escaped = Markup.escape(hostile)
        #expect(!escaped.contains("<"))
        #expect(!escaped.contains(">"))
        #expect(!escaped.contains("\""))
        #expect(!escaped.contains("'"))
        #expect(escaped.unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) })
        #expect(escaped.hasPrefix("&lt;script&gt;alert(&#39;x&#39;)"))
        #expect(escaped.contains("&amp; &quot;q&quot; \u{2400}\u{241B}[31m\u{2421}\u{FFFD}"))
    }

    @Test func aPageEscapesEveryTextItIsGiven() {
        let evil = "</title><script>x()</script>"
        let page = HTMLPage(
            title: evil, subtitle: [evil],
            sections: [
                .init(heading: evil, summary: [evil], table: .init(caption: evil, headers: [evil], rows: [[evil]]))
            ]
        ).html()
        #expect(!page.contains("<script"))
        #expect(count("&lt;script&gt;", in: page) == 8)  // title, h1, subtitle, heading, summary, caption, header, cell
    }

    @Test func coordinatesHaveOneDecimalAndNoExponent() {
        #expect(Markup.number(3) == "3")
        #expect(Markup.number(2.25) == "2.3" || Markup.number(2.25) == "2.2")
        #expect(Markup.number(-0.01) == "0")
        #expect(Markup.number(1e-9) == "0")
        #expect(Markup.number(.infinity) == "0")
    }
}

@Suite struct AxisTests {
    @Test func ticksAreRoundNumbersCoveringTheData() {
        let axis = Axis(covering: 0, 0.87)
        #expect(axis.low == 0)
        #expect(axis.high >= 0.87)
        #expect(axis.ticks.first == 0)
        #expect(axis.ticks.count >= 4 && axis.ticks.count <= 11)
        #expect(axis.tickText(axis.ticks[1]) == "0.1" || axis.tickText(axis.ticks[1]) == "0.2")
    }

    @Test func aFlatRangeStillHasAnAxis() {
        let axis = Axis(covering: 5, 5)
        #expect(axis.high > axis.low)
        #expect(Axis(covering: 0, 1_500_000).tickText(1_500_000) == "1,500,000")
    }
}

@Suite struct ChartTests {
    func lineChart() -> LineChart {
        LineChart(
            id: "d", title: "Delivery", description: "fraction over time", xLabel: "time (s)", yLabel: "fraction",
            series: [
                .init(name: "a", points: [(0, 0), (1, 0.5), (2, 1)], stepped: true),
                .init(name: "b <evil>", points: [(0, 0), (3, 1)]),
            ], yRange: 0...1)
    }

    @Test func aLineChartHasTitleAxesLegendAndOneLinePerSeries() {
        let svg = lineChart().svg()
        #expect(svg.hasPrefix("<svg "))
        #expect(svg.contains("<title id=\"d-title\">Delivery</title>"))
        #expect(svg.contains("<desc id=\"d-desc\">fraction over time</desc>"))
        #expect(svg.contains("aria-labelledby=\"d-title d-desc\""))
        #expect(count("<polyline", in: svg) == 2)
        #expect(svg.contains(">time (s)</text>"))
        #expect(svg.contains(">fraction</text>"))
        #expect(svg.contains("b &lt;evil&gt;"))
        #expect(count("class=\"legend-text\"", in: svg) == 2)
    }

    @Test func renderingTwiceGivesTheSameBytes() {
        #expect(lineChart().svg() == lineChart().svg())
    }

    @Test func aHistogramHasOneBarPerBin() {
        let svg = Histogram(
            id: "h", title: "Hops", description: "d", xLabel: "hops", yLabel: "deliveries",
            bins: (0..<7).map { (label: "\($0)", count: $0 * 3) }
        ).svg()
        #expect(count("class=\"bar\"", in: svg) == 7)
        #expect(svg.contains(">hops</text>") && svg.contains(">deliveries</text>"))
    }

    @Test func aBarChartDrawsTargetsAndSaysWhatIsMissing() {
        var chart = BarChart(
            id: "b", title: "Latency", description: "d", xLabel: "N", yLabel: "ms", seriesNames: ["A", "B"],
            groups: [.init(label: "N = 10", values: [1, nil], target: 5), .init(label: "N = 50", values: [3, 4])])
        chart.targetName = "p99 target"
        let svg = chart.svg()
        #expect(count("class=\"bar\"", in: svg) == 3)
        #expect(count("class=\"target\"", in: svg) == 1)
        #expect(svg.contains(">n/a</text>"))
        #expect(svg.contains(">p99 target</text>"))
    }

    func overlay(_ n: Int) -> OverlayChart {
        let nodes = (0..<n).map { OverlayChart.Node(name: "10.0.0.\($0):6000", state: $0 == 3 ? .dead : .live) }
        let edges = (0..<n).map { ($0, ($0 + 1) % n) } + (0..<n).map { ($0, ($0 + 7) % n) }
        return OverlayChart(id: "o", title: "Overlay", description: "d", nodes: nodes, edges: edges)
    }

    @Test func anOverlayOfTenNamesEveryPeerAndMarksTheDead() {
        let svg = overlay(10).svg()
        #expect(count("<line", in: svg) >= 20)
        #expect(count("10.0.0.", in: svg) == 20)  // tooltip and label for each
        #expect(svg.contains("dead (removed by a seed)"))
        #expect(count("class=\"edge-dead\"", in: svg) == 4)
    }

    @Test func anOverlayOfThreeHundredNamesFewerPeersAndThinsItsLines() {
        let chart = overlay(300)
        let svg = chart.svg()
        #expect(chart.labelEvery == 8)
        #expect(count("class=\"tick small\"", in: svg) == 38)
        #expect(svg.contains("class=\"edges thin\""))
        #expect(svg == overlay(300).svg())
    }

    @Test func aTreeIsDrawnDepthFirstWithAnEdgePerReceipt() {
        let nodes = [
            TreeChart.Node(name: "origin", parent: nil, at: 0),
            TreeChart.Node(name: "b", parent: 0, at: 1.5),
            TreeChart.Node(name: "c", parent: 1, at: 2.5),
            TreeChart.Node(name: "d", parent: 0, at: 1.0),
        ]
        let chart = TreeChart(id: "t", title: "Tree", description: "d", xLabel: "time (ms)", unit: "ms", nodes: nodes)
        let (order, depth) = chart.order()
        #expect(order == [0, 3, 1, 2])
        #expect(depth == [0, 1, 2, 1])
        let svg = chart.svg()
        #expect(count("<path", in: svg) == 3)
        #expect(svg.contains("c  2.5 ms (hop 2)"))
        #expect(svg.contains("origin  0.0 ms (origin)"))
    }

    @Test func aTreeWithACycleInBadInputStillEnds() {
        let nodes = [TreeChart.Node(name: "a", parent: 1, at: 0), TreeChart.Node(name: "b", parent: 0, at: 1)]
        let chart = TreeChart(id: "t", title: "T", description: "d", xLabel: "x", unit: "ms", nodes: nodes)
        #expect(chart.order().order.count == 2)
    }

    @Test func aTimelineOfThreeHundredRowsNamesEverySixthAndDropsLinkTicks() {
        let rows = (0..<300).map { k in
            Timeline.Row(
                name: "p\(k)",
                marks: [.init(at: 0.1, kind: .listening), .init(at: 0.2, kind: .linked), .init(at: 0.3, kind: .registered)])
        }
        let small = Timeline(id: "tl", title: "T", description: "d", xLabel: "time (s)", rows: rows, end: 2)
        #expect(small.labelEvery == 6)
        let svg = small.svg()
        #expect(count("class=\"tick small\"", in: svg) == 50)
        #expect(count("<rect", in: svg) == 600 + 1)  // listening and registered per row, and the legend's square
        let ten = Timeline(id: "tl", title: "T", description: "d", xLabel: "time (s)", rows: Array(rows.prefix(10)), end: 2)
        #expect(count("<circle", in: ten.svg()) == 20 + 2)  // ring and dot per row, and in the legend
    }
}

@Suite struct JSONReaderTests {
    @Test func readsBackWhatTheWriterWrites() throws {
        let value: JSONValue = .object([
            ("a", .integer(3)), ("b", .number(0.25)), ("c", .string("x\"\n\u{1}é")), ("d", .array([.null, .bool(true)])),
            ("e", .object([])),
        ])
        let back = try JSONReader.parse(value.text())
        #expect(back.text() == value.text())
        #expect(back["b"]?.double == 0.25)
        #expect(back["c"]?.string == "x\"\n\u{1}é")
        #expect(back["missing"] == nil)
    }

    @Test func refusesWhatIsNotJSON() {
        for bad in ["", "{", "[1,]x", "{\"a\" 1}", "tru", "\"open"] {
            #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(bad) }
        }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(String(repeating: "[", count: 1000)) }
    }

    @Test func surrogatePairsBecomeOneCharacter() throws {
        #expect(try JSONReader.parse("\"\\ud83d\\ude00\"").string == "😀")
    }
}

@Suite struct AddressOrderTests {
    @Test func numbersCompareAsNumbers() {
        let sorted = ["10.0.0.10:6000", "10.0.0.9:6000", "10.0.0.9:700"].sorted(by: AddressOrder.less)
        #expect(sorted == ["10.0.0.9:700", "10.0.0.9:6000", "10.0.0.10:6000"])
    }
}
