import StockroomBench
import XCTest

final class PercentilePlotTests: XCTestCase {
    private func curve(upTo milliseconds: Double) -> [PercentilePoint] {
        [0, 50, 90, 99, 99.9, 100].enumerated().map { index, percentile in
            PercentilePoint(percentile: percentile, milliseconds: milliseconds * Double(index + 1) / 6)
        }
    }

    func testPercentilesSitADecadeApartOnTheLogAxis() {
        XCTAssertEqual(PercentilePlot.decadesOfPercentile(0), 0)
        XCTAssertEqual(PercentilePlot.decadesOfPercentile(90), 1, accuracy: 1e-9)
        XCTAssertEqual(PercentilePlot.decadesOfPercentile(99), 2, accuracy: 1e-9)
        XCTAssertEqual(PercentilePlot.decadesOfPercentile(99.9), 3, accuracy: 1e-9)
        XCTAssertEqual(PercentilePlot.decadesOfPercentile(100), .infinity)
        XCTAssertEqual((0...4).map(PercentilePlot.percentileLabel(decade:)), ["0%", "90%", "99%", "99.9%", "99.99%"])
    }

    func testEachRunIsOneLineWithItsLegend() {
        let plot = PercentilePlot(
            title: "hot SKU <50×16>",
            series: [.init(label: "stockroom & TLS", points: curve(upTo: 12)), .init(label: "redis", points: curve(upTo: 6))]
        )
        let svg = plot.svg()
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.hasSuffix("</svg>\n"))
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2)
        XCTAssertTrue(svg.contains(">stockroom &amp; TLS</text>"))
        XCTAssertTrue(svg.contains(">hot SKU &lt;50×16&gt;</text>"))
        XCTAssertTrue(svg.contains(">99.9%</text>"))
        XCTAssertFalse(svg.contains("inf"))
        XCTAssertFalse(svg.contains("nan"))
    }

    func testTheAxesReachTheLargestPercentileAndLatencyDrawn() {
        let plot = PercentilePlot(title: "t", series: [.init(label: "a", points: curve(upTo: 12))])
        XCTAssertEqual(plot.latencyCeiling, 20)  // 12 ms rounds up to 2 × 10
        XCTAssertEqual(plot.decades, 3)  // up to 99.9%, the largest percentile below 100
        XCTAssertEqual(plot.xFraction(ofPercentile: 99.9), 1, accuracy: 1e-9)
        XCTAssertEqual(plot.xFraction(ofPercentile: 99), 2.0 / 3.0, accuracy: 1e-9)
        XCTAssertEqual(plot.xFraction(ofPercentile: 100), 1)  // 100% is drawn at the right edge
    }
}
