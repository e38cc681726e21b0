import Foundation

/// Number formats the tables and lines share.
public enum Formatting {
    /// `41,234`: rounded, with thousands separators (locale-free, so output is the same everywhere).
    public static func grouped(_ value: Double) -> String {
        grouped(Int(value.rounded()))
    }

    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// Milliseconds with 3 decimals: `1.234`.
    public static func milliseconds(_ value: Double) -> String {
        String(format: "%.3f", value)
    }

    /// Two decimals: `0.98`.
    public static func twoDecimals(_ value: Double) -> String {
        String(format: "%.2f", value)
    }

    /// Mebibytes with 1 decimal.
    public static func mebibytes(_ bytes: Int) -> String {
        String(format: "%.1f", Double(bytes) / 1_048_576)
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
