// StartedOnce: something the tests of one process share, started on first use.

/// Starts its value on the first call of ``value()`` and hands every caller the same one; when the
/// start fails, the next caller tries again.
public actor StartedOnce<Value: Sendable> {
    private let start: @Sendable () async throws -> Value
    private var starting: Task<Value, any Error>?

    public init(_ start: @escaping @Sendable () async throws -> Value) {
        self.start = start
    }

    public func value() async throws -> Value {
        if let starting {
            return try await starting.value
        }
        let task = Task { try await self.start() }
        self.starting = task
        do {
            return try await task.value
        } catch {
            self.starting = nil
            throw error
        }
    }
}
