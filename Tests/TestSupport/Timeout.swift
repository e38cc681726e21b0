// withTimeout: a hang must fail a test, not stall CI.

/// `body` did not finish within its bound.
public struct TimedOut: Error, CustomStringConvertible {
    public var description: String { "timed out" }
}

/// Runs `body`, failing with ``TimedOut`` when it takes longer than `timeout`. Not a timing
/// assertion: the bound only keeps a broken test from hanging.
public func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
