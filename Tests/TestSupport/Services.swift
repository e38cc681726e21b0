// withServices: long-lived services around a test body, shut down as the server shuts them down.

import ServiceLifecycle

/// Runs `services` in a service group while `body` runs, then shuts them down gracefully, as the
/// server does, and waits for them to stop. When `body` throws, the services are cancelled instead.
public func withServices<T>(
    _ services: [any Service],
    _ body: () async throws -> T
) async throws -> T {
    let group = ServiceGroup(services: services, logger: testLogger("stockroom.test.services"))
    let running = Task { try await group.run() }
    do {
        let result = try await body()
        await group.triggerGracefulShutdown()
        try await running.value
        return result
    } catch {
        running.cancel()
        _ = await running.result
        throw error
    }
}
