// The embedded redis-server as a child process: where it sits among this process's signals.

import Foundation
import TestSupport
import XCTest

final class EmbeddedRedisProcessTests: XCTestCase {
    /// A terminal's Ctrl-C signals the whole foreground process group. The embedded Redis has a group
    /// of its own, so the signal reaches only `stockroom serve`, which drains and then stops Redis.
    func testTheEmbeddedRedisRunsInAProcessGroupOfItsOwn() async throws {
        try await withRedisServer { server in
            let pid = try XCTUnwrap(server.pid)
            XCTAssertEqual(getpgid(pid), pid, "it leads a group of its own")
            XCTAssertNotEqual(getpgid(pid), getpgrp(), "not the group a terminal's Ctrl-C reaches")
        }
    }
}
