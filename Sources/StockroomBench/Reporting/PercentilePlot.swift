import Foundation

/// The HdrHistogram percentile-distribution chart as plain SVG: latency (ms, linear) against
/// percentile on a log `1/(1−p)` axis, so 90%, 99%, 99.9% … sit one decade apart and the tail gets
/// as much room as the median. Several runs are drawn over each other.
public struct PercentilePlot: Sendable {
    public struct Series: Sendable, Hashable {
        public var label: String
        public var points: [PercentilePoint]

        public init(label: String, points: [PercentilePoint]) {
            self.label = label
            self.points = points
        }
    }

    public var title: String
    public var series: [Series]

    public init(title: String, series: [Series]) {
        self.title = title
        self.series = series
    }

    static let width = 900.0
    static let height = 520.0
    static let margin = (left: 80.0, right: 30.0, top: 50.0, bottom: 70.0)
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]

    /// Decades of `1/(1−p)` shown: up to the largest finite percentile drawn, at least 2 (99%), at most 6.
    public var decades: Int {
        let largest = series.flatMap(\.points).map(\.percentile).filter { $0 < 100 }.map(Self.decadesOfPercentile).max() ?? 2
        // Less a hair, so that 99.9% (3 decades, give or take a rounding error) does not ask for a 4th.
        return Swift.min(6, Swift.max(2, Int((largest - 1e-9).rounded(.up))))
    }

    /// `log10(1/(1−p))` of a percentile (0 … 100); 100% itself is infinitely far, so the caller clamps.
    public static func decadesOfPercentile(_ percentile: Double) -> Double {
        percentile >= 100 ? .infinity : -log10(1 - percentile / 100)
    }

    /// Where a percentile lies across the plot area, 0 … 1.
    public func xFraction(ofPercentile percentile: Double) -> Double {
        Swift.min(Self.decadesOfPercentile(percentile), Double(decades)) / Double(decades)
    }

    /// The top of the latency axis: the largest latency drawn rounded up to 1, 2 or 5 × 10^n.
    public var latencyCeiling: Double {
        let largest = series.flatMap(\.points).map(\.milliseconds).max() ?? 1
        guard largest > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(largest)))
        return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= largest } ?? 10 * magnitude
    }

    /// `0%`, `90%`, `99%`, `99.9%` … for decades 0, 1, 2, 3 ….
    public static func percentileLabel(decade: Int) -> String {
        switch decade {
        case 0: "0%"
        case 1: "90%"
        case 2: "99%"
        default: "99." + String(repeating: "9", count: decade - 2) + "%"
        }
    }

    public func svg() -> String {
        let (left, right, top, bottom) = Self.margin
        let plotWidth = Self.width - left - right
        let plotHeight = Self.height - top - bottom
        let ceiling = latencyCeiling
        func x(_ percentile: Double) -> Double { left + xFraction(ofPercentile: percentile) * plotWidth }
        func y(_ milliseconds: Double) -> Double { top + plotHeight * (1 - milliseconds / ceiling) }

        var svg = [
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(Self.width))" height="\#(Int(Self.height))" font-family="sans-serif" font-size="12">"#,
            #"<rect width="100%" height="100%" fill="white"/>"#,
            #"<text x="\#(Self.width / 2)" y="24" text-anchor="middle" font-size="15">\#(Self.escape(title))</text>"#,
        ]
        for decade in 0...decades {
            let position = left + Double(decade) / Double(decades) * plotWidth
            svg.append(#"<line x1="\#(f(position))" y1="\#(f(top))" x2="\#(f(position))" y2="\#(f(top + plotHeight))" stroke="gainsboro"/>"#)
            svg.append(#"<text x="\#(f(position))" y="\#(f(top + plotHeight + 18))" text-anchor="middle">\#(Self.percentileLabel(decade: decade))</text>"#)
        }
        for step in 0...5 {
            let value = ceiling * Double(step) / 5
            svg.append(#"<line x1="\#(f(left))" y1="\#(f(y(value)))" x2="\#(f(left + plotWidth))" y2="\#(f(y(value)))" stroke="gainsboro"/>"#)
            svg.append(#"<text x="\#(f(left - 8))" y="\#(f(y(value) + 4))" text-anchor="end">\#(Self.number(value))</text>"#)
        }
        svg.append(#"<rect x="\#(f(left))" y="\#(f(top))" width="\#(f(plotWidth))" height="\#(f(plotHeight))" fill="none" stroke="dimgray"/>"#)
        svg.append(#"<text x="\#(f(left + plotWidth / 2))" y="\#(f(Self.height - 20))" text-anchor="middle">percentile (log scale of 1/(1−p))</text>"#)
        svg.append(#"<text transform="translate(20 \#(f(top + plotHeight / 2))) rotate(-90)" text-anchor="middle">latency (ms)</text>"#)

        for (index, run) in series.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            let points = run.points.map { "\(f(x($0.percentile))),\(f(y($0.milliseconds)))" }.joined(separator: " ")
            svg.append(#"<polyline fill="none" stroke="\#(color)" stroke-width="2" points="\#(points)"/>"#)
            let legendY = top + 18 + Double(index) * 18
            svg.append(#"<line x1="\#(f(left + 12))" y1="\#(f(legendY - 4))" x2="\#(f(left + 36))" y2="\#(f(legendY - 4))" stroke="\#(color)" stroke-width="3"/>"#)
            svg.append(#"<text x="\#(f(left + 42))" y="\#(f(legendY))">\#(Self.escape(run.label))</text>"#)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension PercentilePlot {
    /// The runs of JSON reports, each target's results one series, named by its label or target.
    public init(title: String, reports: [BenchReport]) {
        self.init(title: title, series: reports.flatMap(\.targets).map { Series(label: $0.legend, points: $0.percentiles) })
    }
}
