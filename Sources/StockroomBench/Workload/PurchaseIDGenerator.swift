/// Purchase ids of exactly 16 bytes (the size the memory budget assumes), unique within a
/// run and, through a random run tag, across runs on the same Redis:
///
/// ```
///  0           5        9                 16
/// +-----------+--------+------------------+
/// | run tag   | worker | sequence         |
/// | a-z 0-9   | hex    | hex              |
/// +-----------+--------+------------------+
/// ```
/// A purchase id is scoped to its SKU and kept for the replay window (24 h by default), so an id
/// reused by a later run would be answered as a replay instead of selling: the run tag prevents that.
public struct PurchaseIDGenerator: Sendable {
    public static let length = 16
    public static let runTagLength = 5
    /// Workers one run may have: 4 hex digits.
    public static let maximumWorkers = 0x1_0000
    /// Ids one worker may make: 7 hex digits.
    public static let maximumSequence = 0x1000_0000

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let tagAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    private let prefix: [UInt8]
    private var sequence = 0

    /// - Parameters:
    ///   - runTag: ``runTagLength`` bytes, the same for every worker of a run.
    ///   - worker: `0 ..< maximumWorkers`, different for every worker of a run.
    public init(runTag: String, worker: Int) {
        precondition(runTag.utf8.count == Self.runTagLength, "a run tag is \(Self.runTagLength) bytes")
        precondition((0..<Self.maximumWorkers).contains(worker), "worker \(worker) is outside 0..<\(Self.maximumWorkers)")
        self.prefix = Array(runTag.utf8) + Self.hex(worker, digits: 4)
    }

    public mutating func next() -> String {
        precondition(sequence < Self.maximumSequence, "a worker ran out of purchase ids")
        let bytes = prefix + Self.hex(sequence, digits: 7)
        sequence += 1
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A fresh tag for a run: 5 characters of `a-z0-9`, about 60 million possibilities.
    public static func randomRunTag(using generator: inout some RandomNumberGenerator) -> String {
        let bytes = (0..<runTagLength).map { _ in tagAlphabet.randomElement(using: &generator)! }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ value: Int, digits: Int) -> [UInt8] {
        (0..<digits).reversed().map { position in hexDigits[(value >> (4 * position)) & 0xF] }
    }
}
