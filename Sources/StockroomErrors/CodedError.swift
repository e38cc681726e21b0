// The one error convention of Stockroom's modules: a struct with an opaque, extensible code, a
// message for people and the error underneath, as valkey-swift's ValkeyClientError has it.

/// A code of one domain's errors. Opaque and extensible: a module adds codes as static members
/// (`extension OpaqueErrorCode where Owner == SalesErrorDomain { static var unknownSKU: Self … }`)
/// without breaking an exhaustive `switch` anywhere else. Compare with `==`; it prints its name.
public struct OpaqueErrorCode<Owner>: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public var description: String { name }
}

/// An error with a code to switch on, a message for people and, when there is one, the error it
/// wraps. ``DomainError`` is the usual conformance; an error that carries more (an HTTP status, the
/// server's wire code) declares its own struct and shares the description.
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

/// The errors of one domain, named by a caseless enum: `typealias RedisError = DomainError<RedisErrorDomain>`.
public struct DomainError<Domain>: CodedError {
    public typealias Code = OpaqueErrorCode<Domain>

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }
}
