/// A small, fast random number generator with a seed (SplitMix64, Steele, Lea and Flood 2014).
///
/// The system generator cannot be seeded: with this one a run's workload can be repeated with
/// `--seed`, and the generators' tests draw the same numbers every time.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed for the `index`-th worker of a run seeded with `seed`: workers draw different numbers.
    public static func seed(_ seed: UInt64, worker index: Int) -> UInt64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        return mixer.next()
    }
}
