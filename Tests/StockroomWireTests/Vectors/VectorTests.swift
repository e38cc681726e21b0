import Foundation
import NIOCore
import StockroomWire
import XCTest

/// Checks `proto-spec/vectors/vectors.json` against the codec in both directions.
///
/// Run with `STOCKROOM_REGENERATE_VECTORS=1` to rewrite the hex of the valid vectors from the encoder (after
/// adding a vector or changing the format); the invalid vectors' hex is deliberately broken by hand and is
/// never rewritten.
final class VectorTests: XCTestCase {
    private static let file = Result { try VectorFile.load() }

    private var file: VectorFile {
        get throws { try Self.file.get() }
    }

    func testFileDescribesThisVersionAndTheDefaultLimit() throws {
        XCTAssertEqual(try self.file.protocolVersion, ProtocolVersion.current)
        XCTAssertEqual(try self.file.maxFrameLength, FrameDecoder.defaultMaxFrameLength)
    }

    func testVectorNamesAreUnique() throws {
        let file = try self.file
        let names = file.valid.map(\.name) + file.invalid.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "duplicate names")
    }

    func testEveryOpcodeHasAValidVector() throws {
        let covered = Set(try self.file.valid.map(\.value.opcode))
        XCTAssertEqual(covered, Set(Opcode.allKnown.compactMap(\.name)))
    }

    func testValidVectorsHaveExactlyTheirOpcodesFields() throws {
        for vector in try self.file.valid {
            XCTAssertNoThrow(try vector.value.checkKeys(), vector.name)
        }
    }

    func testErrorVectorsNameTheirCode() throws {
        let errors = try self.file.valid.filter { $0.value.opcode == "ERROR" }
        XCTAssertFalse(errors.isEmpty)
        for vector in errors {
            let code = ErrorCode(rawValue: try XCTUnwrap(vector.value.code, vector.name))
            XCTAssertEqual(code.name, vector.value.codeName, vector.name)
        }
        XCTAssertTrue(
            errors.contains { ErrorCode(rawValue: $0.value.code ?? 0).name.hasPrefix("ERROR_0x") },
            "no vector with an unknown error code"
        )
    }

    func testValidVectorsEncodeToTheirHex() throws {
        let regenerate = ProcessInfo.processInfo.environment["STOCKROOM_REGENERATE_VECTORS"] == "1"
        var regenerated: [String: String] = [:]
        for vector in try self.file.valid {
            var encoded = ByteBuffer()
            switch vector.kind {
            case .request:
                RequestEnvelope(requestID: vector.requestID, request: try vector.value.request())
                    .encode(into: &encoded)
            case .response:
                ResponseEnvelope(requestID: vector.requestID, response: try vector.value.response())
                    .encode(into: &encoded)
            }
            if regenerate {
                regenerated[vector.name] = encoded.lowercaseHex
            } else {
                XCTAssertEqual(encoded.lowercaseHex, vector.hex, vector.name)
            }
        }
        if regenerate {
            try VectorFile.rewriteHex(regenerated)
        }
    }

    func testValidVectorsDecodeToTheirValue() throws {
        for vector in try self.file.valid {
            let frames = try decodeFrames(ByteBuffer(hex: vector.hex))
            XCTAssertEqual(frames.count, 1, vector.name)
            let frame = try XCTUnwrap(frames.first, vector.name)
            XCTAssertEqual(frame.opcode.name, vector.value.opcode, vector.name)
            switch vector.kind {
            case .request:
                XCTAssertEqual(
                    try RequestEnvelope(decoding: frame),
                    RequestEnvelope(requestID: vector.requestID, request: try vector.value.request()),
                    vector.name
                )
            case .response:
                XCTAssertEqual(
                    try ResponseEnvelope(decoding: frame),
                    ResponseEnvelope(requestID: vector.requestID, response: try vector.value.response()),
                    vector.name
                )
            }
        }
    }

    func testInvalidVectorsFailWithTheirErrorCode() throws {
        let file = try self.file
        for vector in file.invalid {
            let frames: [Frame]
            do {
                frames = try decodeFrames(ByteBuffer(hex: vector.hex), maxFrameLength: file.maxFrameLength)
            } catch let error as WireError {
                XCTAssertEqual(vector.stage, .frame, "\(vector.name): the frame decoder rejected it: \(error)")
                XCTAssertEqual(error.code.name, vector.error, vector.name)
                continue
            }
            XCTAssertEqual(vector.stage, .message, "\(vector.name): the frame decoder accepted it")
            XCTAssertEqual(frames.count, 1, vector.name)
            let frame = try XCTUnwrap(frames.first, vector.name)
            XCTAssertEqual(frame.requestID, vector.requestID, vector.name)
            do {
                switch vector.kind {
                case .request: _ = try RequestEnvelope(decoding: frame)
                case .response: _ = try ResponseEnvelope(decoding: frame)
                }
                XCTFail("\(vector.name): decoded without error")
            } catch {
                XCTAssertEqual(error.code.name, vector.error, "\(vector.name): \(error)")
            }
        }
    }

    func testREADMEExamplesQuoteTheVectorsExactly() throws {
        let file = try self.file
        let readme = try String(contentsOf: VectorFile.readmeURL, encoding: .utf8)
        let hexByName = Dictionary(
            uniqueKeysWithValues: file.valid.map { ($0.name, $0.hex) } + file.invalid.map { ($0.name, $0.hex) }
        )

        // The worked example: each annotated frame's first line, spaces removed, in the order of the session.
        let example = readme.components(separatedBy: "## 10. Worked example").last ?? ""
        let section = example.components(separatedBy: "\n## ").first ?? ""
        let frameLines = section.split(separator: "\n").filter { line in
            line.count > 20 && line.allSatisfy { $0 == " " || $0.isHexDigit }
        }
        XCTAssertEqual(
            frameLines.map { String($0.filter { $0 != " " }) },
            ["hello", "hello_ok", "purchase", "purchase_result_sold"].map { hexByName[$0] }
        )

        // The schema examples: every quoted "hex" belongs to the vector named just above it.
        var quoted = 0
        var lastName: String?
        for line in readme.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("\"name\": \"") {
                lastName = trimmed.components(separatedBy: "\"")[3]
            } else if trimmed.hasPrefix("\"hex\": \""), let name = lastName {
                XCTAssertEqual(trimmed.components(separatedBy: "\"")[3], hexByName[name], name)
                quoted += 1
            }
        }
        XCTAssertEqual(quoted, 2)
    }
}
