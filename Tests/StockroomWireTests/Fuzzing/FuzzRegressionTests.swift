import Foundation
import NIOCore
import XCTest

/// Replays the inputs kept in `FuzzRegressions/<target>/` through the checks the fuzz targets run (`ops/fuzz`):
/// inputs that once crashed a target, kept after the fix, and inputs from the corpora that reach deep into the
/// decoders, each named for what it exercises.
final class FuzzRegressionTests: XCTestCase {
    private static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Fuzzing
        .deletingLastPathComponent()  // StockroomWireTests
        .appendingPathComponent("FuzzRegressions")

    private func inputs(of target: WireFuzzTarget) throws -> [URL] {
        try FileManager.default
            .contentsOfDirectory(at: Self.directory.appendingPathComponent(target.name), includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    func testEveryTargetHasInputsAndEveryDirectoryIsATarget() throws {
        let directories = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
        XCTAssertEqual(directories.sorted(), WireFuzzTarget.all.map(\.name).sorted())
        for target in WireFuzzTarget.all {
            XCTAssertFalse(try self.inputs(of: target).isEmpty, "no inputs for \(target.name)")
        }
    }

    func testEveryInputDecodesAndRoundTripsOrIsRejectedWithItsCode() throws {
        for target in WireFuzzTarget.all {
            for url in try self.inputs(of: target) {
                let name = "\(target.name)/\(url.lastPathComponent)"
                do {
                    let outcomes = try target.check(ByteBuffer(bytes: try Data(contentsOf: url)))
                    // An input that reaches no decoder (a stream cut inside its first frame) proves nothing.
                    XCTAssertFalse(outcomes.isEmpty, "\(name) reaches no decoder")
                } catch let violation as WireContractViolation {
                    XCTFail("\(name): \(violation)")
                }
            }
        }
    }
}
