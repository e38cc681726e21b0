import Foundation
import NIOPosix

/// Where the harness's lines go: straight to stdout, unbuffered, so progress lines appear as they
/// happen even when stdout is a pipe (ops/bench's `tee`), and in the order they were made.
public enum Console {
    public static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// Runs `body` with an event-loop group of `threads` threads, shut down afterwards whatever happens.
public func withEventLoops<Result>(
    threads: Int,
    _ body: (MultiThreadedEventLoopGroup) async throws -> Result
) async throws -> Result {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    let result: Result
    do {
        result = try await body(group)
    } catch {
        try? await group.shutdownGracefully()
        throw error
    }
    try await group.shutdownGracefully()
    return result
}
