// TestSupportError: why a test helper could not provide what the test needs.

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
