/// The port an HTTP service bound, for callers that asked for port 0 (tests, demos).
///
/// `port(timeout:)` waits until the server listens, fails if it could not start, and gives up
/// after `timeout`, so a caller never hangs on a server that died.
public actor ListeningPort {
    private enum State {
        case waiting([UInt64: CheckedContinuation<Int, any Error>])
        case listening(Int)
        case failed(any Error)
    }

    private var state = State.waiting([:])
    private var nextWaiterID: UInt64 = 0

    public init() {}

    /// The bound port, once the server listens.
    public func port(timeout: Duration = .seconds(10)) async throws -> Int {
        switch state {
        case .listening(let port): return port
        case .failed(let error): throw error
        case .waiting: break
        }
        let id = nextWaiterID
        nextWaiterID += 1
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.resumeWaiter(id, with: .failure(HTTPServiceError(message: "the server did not listen within \(timeout)")))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            if case .waiting(var waiters) = state {
                waiters[id] = continuation
                state = .waiting(waiters)
            } else if case .listening(let port) = state {
                continuation.resume(returning: port)
            } else if case .failed(let error) = state {
                continuation.resume(throwing: error)
            }
        }
    }

    public func listening(on port: Int) {
        finish(.listening(port), result: .success(port))
    }

    public func failed(_ error: any Error) {
        if case .waiting = state {
            finish(.failed(error), result: .failure(error))
        }
    }

    private func finish(_ newState: State, result: Result<Int, any Error>) {
        if case .waiting(let waiters) = state {
            for continuation in waiters.values { continuation.resume(with: result) }
        }
        state = newState
    }

    private func resumeWaiter(_ id: UInt64, with result: Result<Int, any Error>) {
        guard case .waiting(var waiters) = state, let continuation = waiters.removeValue(forKey: id) else { return }
        state = .waiting(waiters)
        continuation.resume(with: result)
    }
}

/// An HTTP service could not start or serve.
public struct HTTPServiceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var underlying: (any Error)?

    public init(message: String, underlying: (any Error)? = nil) {
        self.message = message
        self.underlying = underlying
    }

    public var description: String { underlying.map { "\(message) (\($0))" } ?? message }
}
