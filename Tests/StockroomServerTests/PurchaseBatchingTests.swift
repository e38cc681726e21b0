import NIOCore
import StockroomClient
import StockroomServer
import StockroomWire
import TestSupport
import XCTest

/// Purchases that reach the server in the same event-loop turn are decided by one script call per
/// partition, and each is still answered on its own, as if it ran alone.
final class PurchaseBatchingTests: XCTestCase {
    func testPipelinedPurchasesShareScriptCallsAndAreEachAnswered() async throws {
        try await withSalesServer { harness in
            let admin = try await harness.client()
            _ = try await admin.setStock(sku: "PIPE-1", stock: 30, reorderPoint: 0, reorderQuantity: 5)
            await admin.close()
            let calls = try await scriptCalls(on: harness)
            let answers = try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                var bytes = ByteBuffer()
                for id: UInt32 in 2...41 {
                    let purchase = Purchase(sku: "PIPE-1", quantity: 1, purchaseID: "p\(id)", customer: "")
                    RequestEnvelope(requestID: id, request: .purchase(purchase)).encode(into: &bytes)
                }
                // The first purchase's id again: a retry arriving with the others.
                RequestEnvelope(requestID: 42, request: .purchase(Purchase(sku: "PIPE-1", quantity: 1, purchaseID: "p2", customer: "")))
                    .encode(into: &bytes)
                try await connection.sendBytes(Array(bytes.readableBytesView))
                var answers: [UInt32: PurchaseResult] = [:]
                while answers.count < 41, let answer = try await connection.receive() {
                    if case .purchaseResult(let result) = answer.response { answers[answer.requestID] = result }
                }
                return answers
            }
            XCTAssertEqual(answers.count, 41, "every purchase answered on its own")
            XCTAssertEqual(answers.values.filter { $0.outcome == .sold && !$0.isReplay }.count, 30)
            XCTAssertEqual(answers.values.filter { $0.outcome == .outOfStock }.count, 10)
            XCTAssertEqual(answers[42]?.isReplay, true, "the retry replays the first answer")
            XCTAssertEqual(answers[42]?.stock, answers[2]?.stock)
            let stock = try await harness.stock(of: "PIPE-1")
            XCTAssertEqual(stock, 0)
            let used = try await scriptCalls(on: harness) - calls
            XCTAssertLessThan(used, 41, "41 purchases took \(used) script calls")
        }
    }

    /// EVALSHA calls Redis has run so far (its command statistics).
    private func scriptCalls(on harness: ServerHarness) async throws -> Int {
        let info = try await harness.redis.any.send(["INFO", "commandstats"]).get().string ?? ""
        guard let line = info.split(separator: "\r\n").first(where: { $0.hasPrefix("cmdstat_evalsha:") }),
            let calls = line.split(separator: ",").first?.split(separator: "=").last.flatMap({ Int($0) })
        else { return 0 }
        return calls
    }
}
