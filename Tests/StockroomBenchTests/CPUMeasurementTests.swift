import XCTest

@testable import StockroomBench

final class CPUMeasurementTests: XCTestCase {
    func testReadsTheServerProcessCPUNotItsChildren() throws {
        let info = "# CPU\r\nused_cpu_sys:1.250000\r\nused_cpu_user:8.500000\r\nused_cpu_sys_children:3.000000\r\nused_cpu_user_children:4.000000\r\n"
        XCTAssertEqual(try RedisCPU.seconds(fromInfo: info), 9.75, accuracy: 1e-9)
    }

    func testAnInfoWithoutCPUFiguresIsAnError() {
        XCTAssertThrowsError(try RedisCPU.seconds(fromInfo: "# CPU\r\nused_cpu_sys_children:3.0\r\n"))
    }

    func testPerRequestIsTheCPUOverTheRequests() {
        XCTAssertEqual(ProcessCPU.microsecondsPerRequest(2, requests: 250_000) ?? 0, 8, accuracy: 1e-9)
        XCTAssertNil(ProcessCPU.microsecondsPerRequest(2, requests: 0))
    }

    func testAProcessCPUIsUserPlusSystemTimeWhateverItsName() {
        let stat = "4242 (stockroom serve) S 1 4242 4242 0 -1 4194560 1200 0 0 0 350 75 0 0 20 0 5 0 123 0 0"
        XCTAssertEqual(ServerProcess.cpuSeconds(stat: stat, ticksPerSecond: 100) ?? 0, 4.25, accuracy: 1e-9)
        XCTAssertNil(ServerProcess.cpuSeconds(stat: "4242 (x) S 1", ticksPerSecond: 100))
    }
}
