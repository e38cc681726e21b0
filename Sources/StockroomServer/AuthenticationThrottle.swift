import NIOConcurrencyHelpers
import NIOCore

/// Slows token guessing: a connection is closed after a few failed AUTHs, and an address with too
/// many recent failures is refused without its token being checked, on every connection.
///
/// Shared by all connections of a server. It remembers failures per address for one window, and
/// forgets the oldest addresses first past `maxAddresses`, so a spoofing crowd cannot grow it without
/// bound.
final class AuthenticationThrottle: Sendable {
    struct Policy: Sendable {
        var failuresPerConnection = 3
        var failuresPerAddress = 20
        var window: TimeAmount = .seconds(60)
        var maxAddresses = 100_000
    }

    private struct Failures {
        var count: Int
        var windowStart: NIODeadline
    }

    let policy: Policy
    private let failures = NIOLockedValueBox([String: Failures]())

    init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Whether `address` may try a token now.
    func mayAttempt(from address: String, now: NIODeadline = .now()) -> Bool {
        failures.withLockedValue { table in
            guard let entry = table[address] else { return true }
            if now - entry.windowStart >= policy.window {
                table[address] = nil
                return true
            }
            return entry.count < policy.failuresPerAddress
        }
    }

    func recordFailure(from address: String, now: NIODeadline = .now()) {
        failures.withLockedValue { table in
            if var entry = table[address], now - entry.windowStart < policy.window {
                entry.count += 1
                table[address] = entry
                return
            }
            if table.count >= policy.maxAddresses {
                table = table.filter { now - $0.value.windowStart < policy.window }
                if table.count >= policy.maxAddresses, let oldest = table.min(by: { $0.value.windowStart < $1.value.windowStart }) {
                    table[oldest.key] = nil
                }
            }
            table[address] = Failures(count: 1, windowStart: now)
        }
    }
}
