@testable import StockroomConsole
import XCTest

/// Forms and GET queries are read as browsers encode them: `+` is a space, `%2B` a plus.
final class ConsoleFormTests: XCTestCase {
    func testFormFieldsDecodeAsBrowsersEncode() {
        let fields = ConsoleRoutes.formFields("error=bad+arrival&ref=a&ref=b%7Cc&plus=%2B1&empty=&=nameless&flag")
        XCTAssertEqual(fields["error"], ["bad arrival"])
        XCTAssertEqual(fields["ref"], ["a", "b|c"])
        XCTAssertEqual(fields["plus"], ["+1"])
        XCTAssertEqual(fields["empty"], [""])
        XCTAssertEqual(fields["flag"], [""])
        XCTAssertNil(fields[""], "a pair without a name is dropped")
    }
}
