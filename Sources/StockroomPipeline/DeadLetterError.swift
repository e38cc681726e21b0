import StockroomErrors

/// Why a redrive or purge did nothing.
public typealias DeadLetterError = DomainError<DeadLetterErrorDomain>

/// Names the domain of ``DeadLetterError``.
public enum DeadLetterErrorDomain {}

extension OpaqueErrorCode where Owner == DeadLetterErrorDomain {
    /// A bare dead-letter id that more than one partition holds: stream ids are unique per stream only.
    public static var ambiguousID: Self { Self("AMBIGUOUS_ID") }
}
