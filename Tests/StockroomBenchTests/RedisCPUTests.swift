import XCTest

@testable import StockroomBench

final class RedisCPUTests: XCTestCase {
    func testReadsTheServerProcessCPUNotItsChildren() throws {
        let info = "# CPU\r\nused_cpu_sys:1.250000\r\nused_cpu_user:8.500000\r\nused_cpu_sys_children:3.000000\r\nused_cpu_user_children:4.000000\r\n"
        XCTAssertEqual(try RedisCPU.seconds(fromInfo: info), 9.75, accuracy: 1e-9)
    }

    func testAnInfoWithoutCPUFiguresIsAnError() {
        XCTAssertThrowsError(try RedisCPU.seconds(fromInfo: "# CPU\r\nused_cpu_sys_children:3.0\r\n"))
    }

    func testPerRequestIsTheDifferenceOverTheRequests() {
        XCTAssertEqual(RedisCPU.microsecondsPerRequest(from: 10, to: 12, requests: 250_000) ?? 0, 8, accuracy: 1e-9)
        XCTAssertNil(RedisCPU.microsecondsPerRequest(from: 10, to: 12, requests: 0))
    }
}
