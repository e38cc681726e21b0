/// The versions of the Stockroom wire protocol this module speaks.
///
/// A client offers a range in ``Hello``; the server answers with the highest version in the intersection of that
/// range and ``supported`` (see `proto-spec/README.md`, "Versioning").
public enum ProtocolVersion {
    /// The version this module writes and prefers.
    ///
    /// Version 2 adds `maxInFlight` to HELLO_OK and the OPS role (3) to AUTH_OK; a version 1 connection
    /// never sees either (see `proto-spec/README.md`, "Versioning").
    public static let current: UInt16 = 2

    /// Every version this module can speak.
    public static let supported: ClosedRange<UInt16> = 1...2

    /// The first version whose HELLO_OK carries `maxInFlight` and whose AUTH_OK may say OPS.
    public static let announcesInFlightLimit: UInt16 = 2

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
