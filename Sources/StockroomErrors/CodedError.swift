// The one error convention of Stockroom's modules: a struct with an opaque, extensible code, a
// message for people and the error underneath, as valkey-swift's ValkeyClientError has it.

/// A code of `Owner`'s errors. Opaque and extensible: a module adds codes as static members
/// (`extension OpaqueErrorCode where Owner == SalesError { static var unknownSKU: Self … }`)
/// without breaking an exhaustive `switch` anywhere else. Compare with `==`; it prints its name.
public struct OpaqueErrorCode<Owner>: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public var description: String { name }
}

/// An error with a code to switch on, a message for people and, when there is one, the error it
/// wraps. Conforming types declare `typealias Code = OpaqueErrorCode<Self>` and one initialiser,
/// `init(_ code:, _ message:, underlying:)`; the description is shared.
public protocol CodedError: Error, Sendable, CustomStringConvertible {
    associatedtype Owner
    var code: OpaqueErrorCode<Owner> { get }
    var message: String { get }
    var underlying: (any Error)? { get }
}

extension CodedError {
    /// `CODE: message`, then the underlying error in parentheses.
    public var description: String {
        guard let underlying else { return "\(code): \(message)" }
        return "\(code): \(message) (\(underlying))"
    }
}
