import StockroomBench
import XCTest

/// The open loop's schedule and its latency, with made-up instants (nanoseconds), never a clock.
final class RatePacerTests: XCTestCase {
    private let start: UInt64 = 5_000_000_000

    func testRequestsAreDueEvenlyFromTheStart() {
        let pacer = RatePacer(rate: 1000, start: start)
        XCTAssertEqual(pacer.intendedTime(of: 0), start)
        XCTAssertEqual(pacer.intendedTime(of: 1), start + 1_000_000)
        XCTAssertEqual(pacer.intendedTime(of: 2500), start + 2_500_000_000)
    }

    func testARateThatDoesNotDivideASecondStaysOnScheduleOverTime() {
        let pacer = RatePacer(rate: 3, start: start)
        XCTAssertEqual(pacer.intendedTime(of: 1), start + 333_333_333)
        XCTAssertEqual(pacer.intendedTime(of: 3), start + 1_000_000_000)
        XCTAssertEqual(pacer.intendedTime(of: 3_000), start + 1_000_000_000_000)  // no drift after 1000 s
    }

    func testDueCountCountsTheRequestsWhoseTimeHasCome() {
        let pacer = RatePacer(rate: 1000, start: start)
        XCTAssertEqual(pacer.dueCount(at: start - 1), 0)
        XCTAssertEqual(pacer.dueCount(at: start), 1)
        XCTAssertEqual(pacer.dueCount(at: start + 999_999), 1)
        XCTAssertEqual(pacer.dueCount(at: start + 1_000_000), 2)
        XCTAssertEqual(pacer.dueCount(at: start + 1_000_000_000), 1001)
        let odd = RatePacer(rate: 3, start: start)
        for index in 0..<30 {
            XCTAssertEqual(odd.dueCount(at: odd.intendedTime(of: index)), index + 1)
            XCTAssertEqual(odd.dueCount(at: odd.intendedTime(of: index) - 1), index)
        }
    }

    /// wrk2's point: a 100 ms stall delays every request due during it. Measured from when each
    /// was due, the queue shows; measured from when it was finally sent, it would not.
    func testLatencyCountsFromWhenTheRequestWasDueNotWhenItWasSent() {
        let pacer = RatePacer(rate: 1000, start: start)
        let stallEnds = start + 100_000_000
        // Requests 0 … 99 were due during the stall; all are sent and answered (in 0.1 ms) after it.
        let latencies = (0..<100).map { index in
            RatePacer.latency(intended: pacer.intendedTime(of: index), answered: stallEnds + 100_000)
        }
        XCTAssertEqual(latencies.first, 100_100_000)
        XCTAssertEqual(latencies.last, 1_100_000)
        XCTAssertEqual(latencies.reduce(0, +) / 100, 50_600_000)  // the mean wait is half the stall
        XCTAssertEqual(RatePacer.latency(intended: start + 10, answered: start), 0)
    }

    func testARequestBoundIssuesExactlyThatManyTickets() {
        let tickets = RequestTickets(bound: .requests(5), start: start)
        let issued = (0..<8).compactMap { _ in tickets.next(at: start + 100_000_000_000) }
        XCTAssertEqual(issued, [0, 1, 2, 3, 4])
    }

    func testADurationBoundStopsTheClosedLoopAtItsEnd() {
        let tickets = RequestTickets(bound: .duration(seconds: 2), start: start)
        XCTAssertEqual(tickets.next(at: start), 0)
        XCTAssertEqual(tickets.next(at: start + 1_999_999_999), 1)
        XCTAssertNil(tickets.next(at: start + 2_000_000_000))
    }

    func testAnOpenLoopOfADurationSendsDurationTimesRateRequestsOnSchedule() {
        let pacer = RatePacer(rate: 250, start: start)
        let tickets = RequestTickets(bound: .duration(seconds: 2), start: start)
        var scheduled: [(index: Int, intended: UInt64)] = []
        while let next = tickets.next(pacedBy: pacer) { scheduled.append(next) }
        XCTAssertEqual(scheduled.count, 500)
        XCTAssertEqual(scheduled.map(\.index), Array(0..<500))
        XCTAssertEqual(scheduled.last?.intended, start + 1_996_000_000)
    }

    func testAnOpenLoopOfARequestCountSendsThatMany() {
        let pacer = RatePacer(rate: 10, start: start)
        let tickets = RequestTickets(bound: .requests(3), start: start)
        var intended: [UInt64] = []
        while let next = tickets.next(pacedBy: pacer) { intended.append(next.intended) }
        XCTAssertEqual(intended, [start, start + 100_000_000, start + 200_000_000])
    }
}
