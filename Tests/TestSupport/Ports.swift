// Per-test key prefixes.

/// `test:<test name>:<8 random hex digits>:`, so that tests sharing a Redis never touch each
/// other's keys. Tests delete their keys afterwards.
public func uniqueKeyPrefix(_ test: String = #function) -> String {
    let name = test.prefix(while: { $0 != "(" }).filter { $0.isLetter || $0.isNumber || $0 == "_" }
    let random = String(UInt32.random(in: .min ... .max), radix: 16)
    return "test:\(name):\(String(repeating: "0", count: 8 - random.count))\(random):"
}
