/// The versions of the Stockroom wire protocol this module speaks.
///
/// A client offers a range in ``Hello``; the server answers with the highest version in the intersection of that
/// range and ``supported`` (see `proto-spec/README.md`, "Versioning").
public enum ProtocolVersion {
    /// The version this module writes and prefers.
    public static let current: UInt16 = 1

    /// Every version this module can speak.
    public static let supported: ClosedRange<UInt16> = 1...1

    /// The version both sides should use, or `nil` when the ranges do not overlap.
    ///
    /// - Parameters:
    ///   - offered: The range a peer offered, `minVersion...maxVersion` of its ``Hello``.
    /// - Returns: The highest version in `offered ∩ supported`, or `nil` when that intersection is empty
    ///   (the server then answers `UNSUPPORTED_VERSION`).
    public static func negotiate(_ offered: ClosedRange<UInt16>) -> UInt16? {
        guard offered.overlaps(supported) else { return nil }
        return min(offered.upperBound, supported.upperBound)
    }
}
