// eventually: poll a condition until it holds, for state that settles asynchronously (reconnects).

/// Retries `body` every `interval` until it returns a value, for at most `timeout`. The last
/// error (or a timeout error) is thrown if it never succeeds. Not a timing assertion: the
/// timeout only bounds how long a broken test hangs.
@discardableResult
public func eventually<T>(
    timeout: Duration = .seconds(15),
    interval: Duration = .milliseconds(20),
    _ description: String = "condition",
    _ body: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var lastError: (any Error)?
    while true {
        do {
            if let value = try await body() {
                return value
            }
        } catch {
            lastError = error
        }
        guard ContinuousClock.now < deadline else {
            throw TestSupportError("\(description) did not hold within \(timeout)\(lastError.map { ": last error \($0)" } ?? "")")
        }
        try await Task.sleep(for: interval)
    }
}
