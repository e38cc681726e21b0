/// Why a private redis-server could not be started or used.
public struct EmbeddedRedisError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
